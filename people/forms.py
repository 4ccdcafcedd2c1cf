from django import forms

from lab.core.images import PhotoField
from people.models import Person


class ProfileForm(forms.ModelForm):
    """What members edit on their own profile. Names, email, the login link and the private
    fields stay with the lab admins."""

    class Meta:
        model = Person
        fields = [
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
        # Checked, resized, stripped of metadata and renamed on upload (lab/core/images.py).
        field_classes = {"photo": PhotoField}
        help_texts = {
            "bio": "Markdown: *emphasis*, **bold**, [links](https://example.org), lists. "
            "HTML and scripts are removed when shown.",
            "homepage": "e.g. https://example.org",
            "google_scholar": "e.g. https://scholar.google.com/citations?user=…",
            "dblp": "e.g. https://dblp.org/pid/…",
            "github": "Your GitHub user name, e.g. octocat",
            "linkedin": "e.g. https://www.linkedin.com/in/…",
            "photo": "A JPEG, PNG or WebP image of at most 5 MB; a square one looks best. "
            "It is stored at most 1024 pixels on its longest side and without its metadata "
            "(EXIF: camera, place, time).",
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 10}),
            "research_interests": forms.Textarea(attrs={"rows": 5}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }


class PersonAdminForm(forms.ModelForm):
    """The person admin's form: the photo is checked and re-encoded as on the profile form.
    The admin's fieldsets choose the fields; this form only swaps the photo's field."""

    class Meta:
        model = Person
        fields = ["photo"]
        field_classes = {"photo": PhotoField}
