"""A member login for a person, given by a lab admin from the person's change page.

``PersonLoginAdminMixin`` adds ``<id>/login/`` to the Person admin and a "Give a login" button
to the change page of a person without one. GET shows what will happen, POST does it
(``person_give_login``): a user named after the person's slug, in the group Members (never
staff), with an unusable password, linked to the person. The lab admin is then shown a one-time
set-password link (Django's password-reset token, valid for ``PASSWORD_RESET_TIMEOUT``, dead
once the password is set) and, when the person has an e-mail address, it is mailed to them.
The link is shown once, in the answer to the POST, and is stored nowhere.

Who: lab admins (staff in the group Lab admins) and superusers who may change people. Lab
admins have no permission on auth users (user management is for superusers, lab.groups), but
a *member* login gives no power over the records, only over the person's own profile: it is
curation of the lab's people, so it asks for ``people.change_person`` and Lab admins, not for
``auth.add_user`` (docs/security.md, "Accounts"). Visitors and members never reach it: the
admin sends them to its login page.
"""

import logging
import smtplib

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lab.core.groups import LAB_ADMINS, MEMBERS
from lab.core.history import recorded
from lab.core.slugs import SlugAllocator
from people.models import Person

logger = logging.getLogger(__name__)


class PersonHasLogin(Exception):
    """The person is linked to a login already."""


def free_username(slug: str) -> str:
    """``slug``, or ``slug-2``, ``slug-3``... the first that no user has, ignoring case as
    Django's user forms do (one query)."""
    users = get_user_model()._default_manager
    taken = users.filter(username__istartswith=slug).values_list("username", flat=True)
    max_length = get_user_model()._meta.get_field("username").max_length
    return SlugAllocator({name.lower() for name in taken}, max_length=max_length)(slug)


def person_give_login(*, person: Person, by: AbstractUser) -> AbstractUser:
    """Create a member login for ``person`` and link it to them, recorded in their history as
    given by ``by``. Raises ``PersonHasLogin`` if they have one (checked under a row lock, so
    two lab admins clicking at once give one login)."""
    with transaction.atomic(), recorded(f"member login for {person.slug}", user=by):
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.user_id is not None:
            raise PersonHasLogin(person.slug)
        # No password: an unusable one, until the person sets theirs through the link.
        user = get_user_model()._default_manager.create_user(
            username=free_username(person.slug), email=person.email, password=None
        )
        user.groups.add(Group.objects.get(name=MEMBERS))
        person.user = user
        person.save(update_fields=["user", "modified"])
    return user


def set_password_path(user: AbstractUser) -> str:
    """The path of Django's password-reset confirm view for ``user``: it works once."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})


def email_login_link(*, person: Person, user: AbstractUser, link: str, login_url: str) -> bool:
    """Mail the set-password link to the person; False (and logged) if the mail server
    refused it: the lab admin has the link on screen and can pass it on."""
    context = {
        "person": person,
        "username": user.get_username(),
        "link": link,
        "login_url": login_url,
        "lab_name": settings.LAB_NAME,
        "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
    }
    body = render_to_string("admin/people/person/login_email.txt", context)
    try:
        send_mail(f"Your login to {settings.LAB_NAME}", body, None, [person.email])
    except (smtplib.SMTPException, OSError):
        logger.exception("The set-password link of %s could not be e-mailed.", user)
        return False
    return True


class PersonLoginAdminMixin:
    """For the Person ModelAdmin; put it first among the bases, so that its change form
    template (which extends the one the other bases would use) is the one rendered."""

    change_form_template = "admin/people/person/change_form.html"
    give_login_template = "admin/people/person/login.html"
    login_given_template = "admin/people/person/login_given.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/login/",
                self.admin_site.admin_view(self.give_login_view),
                name="{}_{}_login".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_give_login_permission(self, request) -> bool:
        user = request.user
        return self.has_change_permission(request) and (
            user.is_superuser or user.groups.filter(name=LAB_ADMINS).exists()
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        obj_without_login = obj is not None and obj.pk is not None and obj.user_id is None
        context["give_login_url"] = (
            reverse("admin:people_person_login", args=[obj.pk])
            if obj_without_login and self.has_give_login_permission(request)
            else None
        )
        # The template this mixin's replaces (django-import-export's, with its Export button).
        context["person_login_base_template"] = (
            super().change_form_template or "admin/change_form.html"
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def give_login_view(self, request, object_id):
        if not self.has_give_login_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        person = self.get_object(request, unquote(object_id))
        if person is None:
            raise Http404("No person with that id.")
        if person.user_id is not None:
            return self._refuse_has_login(request, person)
        if request.method == "GET":
            return self._render(
                request, self.give_login_template, person, username=free_username(person.slug)
            )
        try:
            user = person_give_login(person=person, by=request.user)
        except PersonHasLogin:
            return self._refuse_has_login(request, person)
        self.log_change(request, person, f"Gave a member login: {user.get_username()}.")
        link = request.build_absolute_uri(set_password_path(user))
        emailed = None
        if person.email:
            login_url = request.build_absolute_uri(reverse("login"))
            emailed = email_login_link(person=person, user=user, link=link, login_url=login_url)
        # Shown in this answer, never redirected to: the link must not sit in a message store.
        return self._render(
            request, self.login_given_template, person, login=user, link=link, emailed=emailed
        )

    def _refuse_has_login(self, request, person):
        person = Person.objects.select_related("user").get(pk=person.pk)
        self.message_user(
            request,
            f"{person.name} already has a login ({person.user.get_username()}): "
            "nothing was changed.",
            messages.ERROR,
        )
        return HttpResponseRedirect(reverse("admin:people_person_change", args=[person.pk]))

    def _render(self, request, template, person, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Give {person.name} a login",
            "person": person,
            **context,
        }
        return TemplateResponse(request, template, context)
