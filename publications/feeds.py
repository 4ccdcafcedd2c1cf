"""Atom feeds of new papers: the whole lab's, and one person's.

"New" means newly recorded (``created``), not newly published: a feed reader wants what it has
not seen yet, and an old paper added today is news to it. Anonymous requests are served from the
page cache (lab.core.cache.public_page), which any write to the records invalidates.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.views.decorators.http import require_safe

from lab.core.cache import public_page
from people.models import Person
from publications.enums import PaperStatus
from publications.models import Paper
from publications.services import paper_byline

FEED_LENGTH = 30


def paper_summary(paper: Paper) -> str:
    """Plain text: "Qinghao Hu*; Meng Zhang*; Peng Sun. NSDI 2024." (status when unpublished)."""
    where = " ".join(str(part) for part in (paper.venue or "", paper.year or "") if part)
    if paper.status != PaperStatus.PUBLISHED:
        where = ", ".join(part for part in (where, paper.get_status_display()) if part)
    text = ". ".join(part for part in (paper_byline(paper), where) if part)
    return f"{text}." if text else ""


class _PaperFeed(Feed):
    """What both feeds share: the items and how one paper reads."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        # As every public page: GET/HEAD only, and anonymous requests from the page cache.
        return require_safe(public_page(super().__call__))(request, *args, **kwargs)

    def paper_items(self, papers):
        # Each work once: a preprint leaves the feed when its published version is recorded.
        return papers.works().for_list().order_by("-created", "-pk")[:FEED_LENGTH]

    def item_title(self, paper: Paper) -> str:
        # Atom titles are text, so no HTML escaping here (the XML writer escapes).
        return paper.title

    def item_description(self, paper: Paper) -> str:
        # Atom summaries are HTML: escape the plain text once.
        return escape(paper_summary(paper))

    def item_author_name(self, paper: Paper) -> str | None:
        # Atom allows several authors but Django's generator writes one: all names, in order.
        return ", ".join(a.display_name for a in paper.authorships.all()) or None

    def item_categories(self, paper: Paper) -> list[str]:
        # Atom categories: the paper's keywords (prefetched by for_list()).
        return [keyword.name for keyword in paper.keywords.all()]

    def item_pubdate(self, paper: Paper):
        return paper.created

    def item_updateddate(self, paper: Paper):
        return paper.modified

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        for item in feed.items:
            # A tag URI (RFC 4151) of the page and the day the paper was recorded, instead of
            # the bare link: readers keep it when the paper is edited.
            link = urlsplit(item["link"])
            item["unique_id"] = f"tag:{link.hostname},{item['pubdate']:%Y-%m-%d}:{link.path}"
        return feed


class LatestPapersFeed(_PaperFeed):
    def title(self):
        return f"{settings.LAB_NAME}: new papers"

    def subtitle(self):
        return f"The newest {FEED_LENGTH} papers recorded by {settings.LAB_NAME}."

    def link(self):
        return reverse("publications:list")

    def feed_url(self):
        return reverse("publications:feed")

    def items(self):
        return self.paper_items(Paper.objects.all())


class PersonPapersFeed(_PaperFeed):
    def get_object(self, request, slug):
        # Person.DoesNotExist becomes a 404 in Feed.__call__.
        return Person.objects.get(slug=slug)

    def title(self, person: Person):
        return f"{person.name}: new papers ({settings.LAB_NAME})"

    def subtitle(self, person: Person):
        return f"The newest {FEED_LENGTH} papers by {person.name}."

    def link(self, person: Person):
        return person.get_absolute_url()

    def feed_url(self, person: Person):
        return reverse("publications:person-feed", args=[person.slug])

    def items(self, person: Person):
        return self.paper_items(Paper.objects.by(person))
