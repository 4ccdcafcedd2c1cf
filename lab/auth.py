from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class LabBackend(ModelBackend):
    """Django's model backend, loading the user's linked person in the same query: every page's
    header asks for it ("My profile"), which would otherwise cost a query per request."""

    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("person").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
