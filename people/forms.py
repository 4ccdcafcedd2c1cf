from django import forms
from django.template.defaultfilters import filesizeformat

from people.models import Person

MAX_PHOTO_BYTES = 5 * 1024 * 1024


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
        help_texts = {
            "bio": "Markdown: *emphasis*, **bold**, [links](https://example.org), lists. "
            "HTML and scripts are removed when shown.",
            "homepage": "e.g. https://example.org",
            "google_scholar": "e.g. https://scholar.google.com/citations?user=…",
            "dblp": "e.g. https://dblp.org/pid/…",
            "github": "Your GitHub user name, e.g. octocat",
            "linkedin": "e.g. https://www.linkedin.com/in/…",
            "photo": "A JPEG, PNG or WebP image of at most 5 MB; a square one looks best.",
        }
        widgets = {
            "bio": forms.Textarea(attrs={"rows": 10}),
            "research_interests": forms.Textarea(attrs={"rows": 5}),
            "photo": forms.ClearableFileInput(attrs={"accept": "image/*"}),
        }

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        # Only a new upload has content_type; an unchanged photo is the stored file.
        if photo and hasattr(photo, "content_type") and photo.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(
                "The photo is %(size)s; the largest allowed is 5 MB. Please upload a smaller "
                "image.",
                code="file_too_large",
                params={"size": filesizeformat(photo.size)},
            )
        return photo
