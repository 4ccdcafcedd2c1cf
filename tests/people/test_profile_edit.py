"""A member edits their own profile on the site (/people/<slug>/edit/)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from lab.core.images import MAX_PHOTO_BYTES
from people.models import Person
from tests.conftest import PRIVATE_ADDRESS, PRIVATE_PHONE, assert_no_private_data
from tests.factories import AuthorshipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

EDIT_URL = "/people/pat-private/edit/"

VALID_POST = {
    "bio": "I study *networks*.",
    "research_interests": "RDMA\nCongestion control",
    "homepage": "https://pat.example.org",
    "orcid": "0000-0002-1825-0097",
    "google_scholar": "https://scholar.google.com/citations?user=pat",
    "dblp": "https://dblp.org/pid/9/9",
    "github": "pat-private",
    "linkedin": "https://www.linkedin.com/in/pat",
}


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(member, private_person):
    """The `member` user, linked to the private person."""
    private_person.user = member
    private_person.save()
    return member


def png_file(name="me.png", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 82, 153)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_profile_edit_form_shows_only_public_fields(client, owner):
    client.force_login(owner)

    response = client.get(EDIT_URL)
    content = response.content.decode()

    assert response.status_code == 200
    assert list(response.context["form"].fields) == [
        "bio",
        "research_interests",
        "homepage",
        "orcid",
        "google_scholar",
        "dblp",
        "github",
        "linkedin",
        "photo",
    ]
    assert 'enctype="multipart/form-data"' in content
    assert 'name="csrfmiddlewaretoken"' in content
    for field in ("bio", "homepage", "orcid", "github", "photo"):
        assert f'<label for="id_{field}">' in content
    assert 'id="id_github_helptext">Your GitHub user name, e.g. octocat</span>' in content
    for private in ("phone", "birth_date", "address", "user", "email", "note", "name"):
        assert f'name="{private}"' not in content
    assert_no_private_data(content)


def test_profile_edit_saves_own_profile(client, owner, private_person):
    client.force_login(owner)

    response = client.post(EDIT_URL, VALID_POST, follow=True)

    assert response.redirect_chain == [("/people/pat-private/", 302)]
    person = Person.objects.get(pk=private_person.pk)
    assert {field: getattr(person, field) for field in VALID_POST} == VALID_POST
    assert (person.phone, person.address, person.user) == (PRIVATE_PHONE, PRIVATE_ADDRESS, owner)
    content = response.content.decode()
    assert '<ul class="messages" role="status"><li>Your profile was saved.</li></ul>' in content
    assert "<p>I study <em>networks</em>.</p>" in content
    assert_no_private_data(content)


def test_profile_edit_uploads_a_photo(client, owner, private_person, settings):
    client.force_login(owner)

    response = client.post(EDIT_URL, {**VALID_POST, "photo": png_file()})

    assert response.status_code == 302
    person = Person.objects.get(pk=private_person.pk)
    # Stored under a new random name (lab/core/images.py), never the uploader's.
    assert re.fullmatch(r"people/[0-9a-f]{32}\.png", person.photo.name)
    assert (settings.MEDIA_ROOT / person.photo.name).is_file()
    with Image.open(person.photo.path) as image:
        assert image.size == (8, 8)


def test_profile_edit_rejects_a_file_that_is_not_an_image(client, owner, private_person):
    client.force_login(owner)
    fake = SimpleUploadedFile("me.png", b"not an image at all", content_type="image/png")

    response = client.post(EDIT_URL, {**VALID_POST, "photo": fake})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "photo": ["The file is not an image that can be read; upload a JPEG, PNG or WebP."]
    }
    assert "The file is not an image that can be read" in response.content.decode()
    assert Person.objects.get(pk=private_person.pk).photo.name == ""


def test_profile_edit_rejects_a_photo_over_5_mb(client, owner, private_person):
    client.force_login(owner)
    big = png_file(size=(8, 8))
    # A valid PNG padded past the limit: trailing bytes after IEND are ignored by decoders.
    padded = SimpleUploadedFile(
        "big.png", big.read() + b"\0" * MAX_PHOTO_BYTES, content_type="image/png"
    )

    response = client.post(EDIT_URL, {**VALID_POST, "photo": padded})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "photo": [
            "The photo is 5.0\xa0MB; the largest allowed is 5 MB. Please upload a smaller image."
        ]
    }
    assert Person.objects.get(pk=private_person.pk).photo.name == ""


def test_profile_edit_shows_field_errors_next_to_fields(client, owner, private_person):
    client.force_login(owner)

    response = client.post(EDIT_URL, {**VALID_POST, "orcid": "0000-0002-1825-0098"})

    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["orcid"]
    label = content.index('<label for="id_orcid">')
    assert label < content.index('<ul class="errorlist"') < content.index('<label for="id_google')
    assert Person.objects.get(pk=private_person.pk).orcid == ""


def test_profile_edit_of_someone_else_is_403(client, owner):
    other = PersonFactory(slug="someone", bio="Theirs.")
    client.force_login(owner)

    get = client.get("/people/someone/edit/")
    post = client.post("/people/someone/edit/", VALID_POST)

    assert (get.status_code, post.status_code) == (403, 403)
    other.refresh_from_db()
    assert (other.bio, other.homepage) == ("Theirs.", "")


def test_profile_edit_by_a_member_without_a_person_is_403(member_client, private_person):
    assert member_client.get(EDIT_URL).status_code == 403


def test_profile_edit_by_staff_without_the_permission_is_403(client, private_person):
    client.force_login(UserFactory(username="staffer", is_staff=True))

    assert client.get(EDIT_URL).status_code == 403
    assert client.post(EDIT_URL, VALID_POST).status_code == 403
    assert Person.objects.get(pk=private_person.pk).bio == ""


def test_profile_edit_by_a_lab_admin_works(lab_admin_client, private_person):
    response = lab_admin_client.post(EDIT_URL, VALID_POST, follow=True)

    assert Person.objects.get(pk=private_person.pk).bio == "I study *networks*."
    assert "<li>The profile of Pat Private was saved.</li>" in response.content.decode()
    assert_no_private_data(lab_admin_client.get(EDIT_URL).content)


def test_profile_edit_for_a_visitor_redirects_to_login(client, private_person):
    get = client.get(EDIT_URL)
    post = client.post(EDIT_URL, VALID_POST)

    assert get["Location"] == "/accounts/login/?next=/people/pat-private/edit/"
    assert (get.status_code, post.status_code) == (302, 302)
    assert Person.objects.get(pk=private_person.pk).bio == ""


def test_profile_edit_missing_person_is_404(member_client):
    assert member_client.get("/people/no-one/edit/").status_code == 404


def test_profile_edit_rejects_other_methods(client, owner):
    client.force_login(owner)

    assert client.put(EDIT_URL).status_code == 405
    assert client.delete(EDIT_URL).status_code == 405


def test_profile_edit_is_never_cached_for_anyone(client, owner):
    """The owner's form is never handed to anyone else, and a save shows at once: the page is
    rendered afresh for every request."""
    client.force_login(owner)
    assert client.get(EDIT_URL).status_code == 200
    client.post(EDIT_URL, {**VALID_POST, "bio": "Freshly saved bio."})

    assert "Freshly saved bio." in client.get(EDIT_URL).content.decode()
    client.logout()
    assert client.get(EDIT_URL).status_code == 302  # a visitor: the log-in page, not the form
    client.force_login(UserFactory(username="someone-else"))
    assert client.get(EDIT_URL).status_code == 403  # another member: refused, not the form


def test_member_cannot_edit_a_paper(client, owner, private_person):
    paper = AuthorshipFactory(person=private_person).paper
    client.force_login(owner)

    admin_get = client.get(f"/admin/publications/paper/{paper.pk}/change/")
    admin_post = client.post(f"/admin/publications/paper/{paper.pk}/change/", {"title": "Mine"})

    assert admin_get.status_code == 302
    assert admin_get["Location"].startswith("/admin/login/")
    assert admin_post.status_code == 302
    paper.refresh_from_db()
    assert paper.title != "Mine"
    # No site view edits papers: the paper page only reads.
    assert client.get(f"/papers/{paper.slug}/edit/").status_code == 404
    assert client.post(f"/papers/{paper.slug}/", {"title": "Mine"}).status_code == 405
