from django.urls import path

from publications import feeds, views

app_name = "publications"

urlpatterns = [
    path("publications/", views.paper_list, name="list"),
    path("publications/download.<str:fmt>", views.paper_list_download, name="download"),
    path("publications/selected/", views.selected_papers, name="selected"),
    path("publications/feed/", feeds.LatestPapersFeed(), name="feed"),
    path("papers/<slug:slug>/", views.paper_detail, name="paper"),
    path("papers/<slug:slug>.bib", views.paper_bibtex, name="paper-bibtex"),
    path("venues/", views.venue_list, name="venues"),
    path("venues/<slug:slug>/", views.venue_detail, name="venue"),
    path(
        "venues/<slug:slug>/papers.<str:fmt>", views.venue_papers_download, name="venue-download"
    ),
    path(
        "people/<slug:slug>/papers.<str:fmt>",
        views.person_papers_download,
        name="person-download",
    ),
    path("people/<slug:slug>/feed/", feeds.PersonPapersFeed(), name="person-feed"),
]
