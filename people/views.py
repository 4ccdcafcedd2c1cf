from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from lab.core.bounds import SHORTENED, query_slug
from lab.core.cache import Fragment, cached_fragment, public_page, query_key, render_page
from lab.core.history import recorded
from people import exports, sections
from people.enums import RoleKind, Term
from people.filters import InstitutionFilter, PersonFilter
from people.forms import ProfileForm
from people.models import Institution, Person, Role

PEOPLE_PER_PAGE = 60
# The query parameters each list reads, with their defaults (lab.core.cache.public_page).
PEOPLE_PARAMS = {"lab": "", "group": "", **dict.fromkeys(PersonFilter.base_filters, "")}
PEOPLE_LIST_PARAMS = {**PEOPLE_PARAMS, "page": "1"}
INSTITUTIONS_PER_PAGE = 100

# The tabs of the people list; the first three need a lab.
GROUPS = {
    "current": "Current members",
    "alumni": "Alumni",
    "all": "Everyone",
    "coauthors": "Co-authors",
}
LAB_GROUPS = ("current", "alumni", "coauthors")

POSITION_KINDS = (
    RoleKind.POSITION,
    RoleKind.MEMBERSHIP,
    RoleKind.VISITING,
    RoleKind.INTERNSHIP,
    RoleKind.ACTIVITY,
)


# Where a term falls in its year, to order "Spring 2021" before "Fall 2021" (Winter terms run
# in January, HKUST's and the quarter systems' alike).
TERM_MONTHS = {Term.WINTER: 1, Term.SPRING: 2, Term.SUMMER: 6, Term.FALL: 9}


def _timeline_key(role: Role):
    """Ongoing roles first, then by end (or start when the end is unknown), latest first."""
    return (
        role.is_current,
        role.end_year or role.start_year or 0,
        role.end_month or TERM_MONTHS.get(role.term, 0),
        role.start_year or 0,
        role.start_month or TERM_MONTHS.get(role.term, 0),
    )


def _timeline(roles) -> list[Role]:
    return sorted(roles, key=_timeline_key, reverse=True)


def _people_filter(request) -> tuple[Institution | None, str, PersonFilter]:
    """The lab, the group (tab) and the filtered people, shared by the list and its downloads.

    `?lab=<slug>` picks a lab other than settings.LAB_INSTITUTION; an unknown slug is a 404 (a
    mistyped link, not a form the visitor filled in). When the configured lab is not in the
    database, there are no lab groups and everyone is listed.
    """
    lab_slug = request.GET.get("lab")
    if lab_slug:
        lab = get_object_or_404(Institution.objects.labs(), slug=query_slug(lab_slug))
    else:
        lab = Institution.objects.filter(slug=settings.LAB_INSTITUTION).first()
    group = request.GET.get("group")
    if lab is None:
        group = "all"
    elif group not in GROUPS:
        group = "current"
    if group == "current":
        people = Person.objects.current_members(lab)
    elif group == "alumni":
        people = Person.objects.alumni(lab)
    elif group == "coauthors":
        people = Person.objects.coauthors(lab)
    else:
        people = Person.objects.all()
    return lab, group, PersonFilter(request.GET, queryset=people)


def _people_list_parts(request) -> dict:
    lab, group, person_filter = _people_filter(request)
    page = Paginator(
        person_filter.qs.with_lab_roles(lab), PEOPLE_PER_PAGE, allow_empty_first_page=True
    ).get_page(request.GET.get("page"))
    tabs = [
        (key, label) for key, label in GROUPS.items() if lab is not None or key not in LAB_GROUPS
    ]
    context = {
        "lab": lab,
        "labs": Institution.objects.labs().order_by(Lower("name"), "slug"),
        "group": group,
        "group_label": GROUPS[group],
        "tabs": tabs,
        "filter": person_filter,
        "page": page,
        "query": request.GET,  # for {% querystring %}: the fragment never sees the request
        "shortened_message": SHORTENED,
    }
    return {
        "lab": lab is not None,
        "group_label": GROUPS[group],
        "body": Fragment.render("people/includes/person_list_body.html", context),
    }


@require_safe
@public_page(params=PEOPLE_LIST_PARAMS)
def people_list(request):
    """People of a lab by group (current members, alumni, everyone, co-authors), filtered. The
    list is the same for every viewer: rendered once per generation of the records and query
    (lab.core.cache.cached_fragment)."""
    parts = cached_fragment(
        ("people-list", request.path, query_key(request.GET)), lambda: _people_list_parts(request)
    )
    return render_page(request, "people/person_list.html", {"section": "people", "parts": parts})


@require_safe
@public_page(params=PEOPLE_PARAMS)
def people_download(request, fmt):
    """The people list as filtered, every page, as CSV or XLSX (email for members only)."""
    _lab, _group, person_filter = _people_filter(request)
    return exports.people_response(person_filter.qs, fmt, filename="people", request=request)


def _profile_parts(slug: str) -> dict:
    """What a person's page shows that is the same for every viewer, rendered: everything but
    the email (members only) and the edit buttons, which the page adds per request."""
    person = get_object_or_404(Person.objects.for_profile(), slug=slug)
    roles = _timeline(person.roles.all())
    context = {
        "person": person,
        "current_roles": [role for role in roles if role.is_current],
        "positions": [role for role in roles if role.kind in POSITION_KINDS],
        "education": [role for role in roles if role.kind == RoleKind.EDUCATION],
        "teaching": [role for role in roles if role.kind == RoleKind.TEACHING],
        "awards": person.awards.all(),
        "sections": sections.build(sections.person_sections, person),
    }
    return {
        # What the per-viewer header needs, kept with the fragments so a hit runs no query.
        "person": Person(
            pk=person.pk,
            name=person.name,
            slug=person.slug,
            email=person.email,
            user_id=person.user_id,
        ),
        "meta": Fragment.render("people/includes/profile_meta.html", context),
        "head": Fragment.render("people/includes/profile_head.html", context),
        "body": Fragment.render("people/includes/profile_body.html", context),
    }


@require_safe
@public_page
def person_detail(request, slug):
    """A person's page. Its parts that are the same for every viewer are rendered once per
    generation of the records (lab.core.cache.cached_fragment); then only the person is loaded."""
    parts = cached_fragment(("person-page", slug), lambda: _profile_parts(slug))
    person = parts["person"]
    user = request.user
    return render_page(
        request,
        "people/person_detail.html",
        {
            "section": "people",
            "person": person,
            "parts": parts,
            "is_own_profile": user.is_authenticated and person.user_id == user.pk,
            "may_admin": user.is_staff and user.has_perm("people.change_person"),
        },
    )


def _may_edit(user, person: Person) -> bool:
    if person.user_id is not None and person.user_id == user.pk:
        return True
    return user.is_staff and user.has_perm("people.change_person")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def person_edit(request, slug):
    """A member edits their own profile; staff who may change people edit anyone's."""
    person = get_object_or_404(Person.objects.all(), slug=slug)
    if not _may_edit(request.user, person):
        raise PermissionDenied("You can only edit your own profile.")
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=person)
        if form.is_valid():
            own = person.user_id == request.user.pk
            with recorded("own profile edit" if own else "profile edit", user=request.user):
                form.save()
            if person.user_id == request.user.pk:
                messages.success(request, "Your profile was saved.")
            else:
                messages.success(request, f"The profile of {person.name} was saved.")
            return redirect(person)
    else:
        form = ProfileForm(instance=person)
    return render(
        request,
        "people/person_edit.html",
        {"section": "people", "person": person, "form": form},
    )


@require_safe
@public_page(params={**dict.fromkeys(InstitutionFilter.base_filters, ""), "page": "1"})
def institution_list(request):
    institution_filter = InstitutionFilter(request.GET, queryset=Institution.objects.for_table())
    page = Paginator(institution_filter.qs, INSTITUTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/institution_list.html",
        {
            "section": "institutions",
            "filter": institution_filter,
            "page": page,
            "query": request.GET,
            "shortened_message": SHORTENED,
        },
    )


@require_safe
@public_page
def institution_detail(request, slug):
    """An institution's page. Nothing on it depends on the viewer, so its content is rendered
    once per generation of the records (lab.core.cache.cached_fragment)."""
    parts = cached_fragment(("institution-page", slug), lambda: _institution_parts(slug))
    return render_page(
        request,
        "people/institution_detail.html",
        {"section": "institutions", "institution": parts["institution"], "body": parts["body"]},
    )


def _institution_parts(slug: str) -> dict:
    institution = get_object_or_404(Institution.objects.for_detail(), slug=slug)
    roles = _timeline(Role.objects.at(institution).select_related("person", "institution"))
    context = {
        "institution": institution,
        "current_roles": [role for role in roles if role.is_current],
        "past_roles": [role for role in roles if not role.is_current],
        "sections": sections.build(sections.institution_sections, institution),
    }
    return {
        # What the title and breadcrumbs need, kept with the fragment so a hit runs no query.
        "institution": Institution(
            pk=institution.pk, name=institution.name, short_name=institution.short_name
        ),
        "body": Fragment.render("people/includes/institution_body.html", context),
    }
