from django.urls import path

from lab.core.ratelimit import limit_downloads
from lab.core.redirects import redirect_former_slugs
from people.models import Person
from publications import feeds, views
from publications.models import Paper, Venue

app_name = "publications"

# The address of a record merged into another answers 301 there.
paper = redirect_former_slugs(Paper)
venue = redirect_former_slugs(Venue)
person = redirect_former_slugs(Person)

# Visitors' whole-list downloads are limited per client (lab.core.ratelimit), outside the page
# cache and the redirects: the limit bounds the work one client can cause. A paper's .bib is not
# a list and is not limited.
urlpatterns = [
    path("publications/", views.paper_list, name="list"),
    path(
        "publications/download.<str:fmt>",
        limit_downloads(views.paper_list_download),
        name="download",
    ),
    path("publications/selected/", views.selected_papers, name="selected"),
    path("publications/feed/", feeds.LatestPapersFeed(), name="feed"),
    path("papers/<slug:slug>/", paper(views.paper_detail), name="paper"),
    path("papers/<slug:slug>.bib", paper(views.paper_bibtex), name="paper-bibtex"),
    path("venues/", views.venue_list, name="venues"),
    path("venues/<slug:slug>/", venue(views.venue_detail), name="venue"),
    path(
        "venues/<slug:slug>/papers.<str:fmt>",
        limit_downloads(venue(views.venue_papers_download)),
        name="venue-download",
    ),
    path(
        "people/<slug:slug>/papers.<str:fmt>",
        limit_downloads(person(views.person_papers_download)),
        name="person-download",
    ),
    path("people/<slug:slug>/feed/", person(feeds.PersonPapersFeed()), name="person-feed"),
]
