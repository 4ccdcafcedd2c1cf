"""Log-in throttling (django-axes): what a successful log-in forgets.

Failures lock a username, or a client address, whichever reaches ``AXES_FAILURE_LIMIT`` first
(``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]``). With those parameters, django-axes'
own reset on success deletes every attempt of the username *or* of the address: anyone holding
one working login could then wipe their address's failures, and those of every username they
tried from it, by logging in between guesses. Here a successful log-in forgets only the
failures of that username from that address: the person's own typos. Failures from elsewhere
keep counting until their cool-off ends. Configured as ``AXES_HANDLER`` in lab/settings.py.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt


class LabAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, resetting on success by username *and* address."""

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count
