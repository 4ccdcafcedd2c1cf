import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lab.core.history import record_versions, recorded
from lab.core.records import ordered_models
from lab.groups import LAB_ADMINS, MEMBERS
from people.models import Person
from publications.models import Paper


class Command(BaseCommand):
    help = (
        "Local demo: load the seed fixtures into an empty database and create (or reset) a "
        "lab-admin login and a member login linked to a seed person, printing their password. "
        "Refuses to run in production mode."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="labadmin")
        parser.add_argument(
            "--password", default="", help="Default: a new random password, printed."
        )
        parser.add_argument("--member-username", default="member")
        parser.add_argument(
            "--member-person",
            default="hao-wang",
            help="Slug of the person the demo member logs in as (edits their own profile).",
        )

    @transaction.atomic
    def handle(self, *args, username, password, member_username, member_person, **options):
        if not settings.DEBUG:
            raise CommandError("setup_demo is for local use: it refuses to run with DEBUG off.")
        if Person.objects.exists() or Paper.objects.exists():
            self.stdout.write("The database already has lab records: seed data not loaded again.")
        else:
            call_command("loaddata", "lab", verbosity=0)
            # Loading a fixture records no history: give every seed record its first version.
            with recorded("seed data"):
                for model in ordered_models():
                    record_versions(model, model._default_manager.all(), "+")
            self.stdout.write(
                f"Loaded the seed data: {Person.objects.count()} people, "
                f"{Paper.objects.count()} papers."
            )
        password = password or secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.is_staff = True
        user.is_superuser = False
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=LAB_ADMINS))
        self.stdout.write(
            self.style.SUCCESS(
                "Demo lab-admin login (local only):\n"
                f"  http://127.0.0.1:8000/admin/\n  user: {username}\n  password: {password}"
            )
        )
        person = Person.objects.filter(slug=member_person).first()
        if person is None:
            self.stdout.write(f"No person {member_person!r}: demo member login not created.")
            return
        member, _ = get_user_model().objects.get_or_create(username=member_username)
        member.is_staff = member.is_superuser = False
        member.set_password(password)
        member.save()
        member.groups.add(Group.objects.get(name=MEMBERS))
        Person.objects.filter(user=member).exclude(pk=person.pk).update(user=None)
        person.user = member
        person.save(update_fields=["user", "modified"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo member login, profile of {person.name} (same password):\n"
                f"  http://127.0.0.1:8000/accounts/login/\n  user: {member_username}"
            )
        )
