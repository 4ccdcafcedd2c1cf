"""What the export round trips compare (the al-folio and Hugo Blox exports' tests)."""

from people.models import Person
from publications.models import Authorship, Keyword, Paper, PaperAward, Venue

#: The site's host name in these tests: a real-looking one, as the import checks web addresses.
HOST = "lab.example.org"


def records() -> list[dict]:
    """What the round trips compare, paper by paper (by title)."""
    papers = Paper.objects.for_list().order_by("title")
    return [
        {
            "title": p.title,
            "year": p.year,
            "month": p.month,
            "status": p.status,
            "venue": (p.venue.short_name, p.venue.kind),
            "byline": [(a.person.name, a.marks) for a in p.authorships.all()],
            "links": {
                name: getattr(p, name)
                for name in (
                    "doi",
                    "arxiv_id",
                    "url",
                    "pdf_url",
                    "code_url",
                    "slides_url",
                    "poster_url",
                    "video_url",
                    "website_url",
                )
            },
            "selected": p.selected,
            "awards": [award.title for award in p.awards.all()],
            "note": p.note,
            "google_scholar_id": p.google_scholar_id,
            "keywords": [keyword.name for keyword in p.keywords.all()],
            "citation": (p.volume, p.pages),
        }
        for p in papers
    ]


def counts() -> dict[str, int]:
    models = (Paper, Person, Venue, Authorship, PaperAward, Keyword)
    return {model.__name__: model.objects.count() for model in models}
