"""Filters for people pages. They only read prefetched relations (`.all()`), never query."""

from django import template

from lab.core.models import format_partial_date
from people.markup import render_markdown
from people.names import split_lines

register = template.Library()


@register.filter
def markdown(text):
    return render_markdown(text)


@register.filter
def lines(text):
    """The non-empty lines of a one-item-per-line field (research interests)."""
    return split_lines(text or "")


@register.filter
def initials(name):
    """ "Ixeia Sánchez Pérez" → "IP": the first letters of the first and last words."""
    words = [word for word in (name or "").split() if word[:1].isalpha()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][0].upper()
    return (words[0][0] + words[-1][0]).upper()


@register.filter
def current_roles(person):
    return [role for role in person.roles.all() if role.is_current]


def _end_key(role):
    # Ongoing roles sort last (latest); an unknown end counts as the start.
    if role.is_current:
        return (10_000, 13)
    return (role.end_year or role.start_year or 0, role.end_month or 0)


@register.filter
def last_lab_role(person):
    """The lab role that ended last, for an alumnus; None for a current member or an outsider.

    Needs the roles prefetched by `PersonQuerySet.with_lab_roles`, which marks `in_lab`.
    """
    lab_roles = [role for role in person.roles.all() if getattr(role, "in_lab", False)]
    if not lab_roles or any(role.is_current for role in lab_roles):
        return None
    return max(lab_roles, key=_end_key)


@register.filter
def ended(role):
    """ "2025", "Jun 2025", or "" when the end is unknown."""
    return format_partial_date(role.end_year, role.end_month)
