from django.urls import path

from lab.core.ratelimit import limit_downloads
from lab.core.redirects import redirect_former_slugs
from people import views
from people.models import Institution, Person

app_name = "people"

# The address of a person or institution merged into another answers 301 there.
person = redirect_former_slugs(Person)
institution = redirect_former_slugs(Institution)

# Visitors' whole-list downloads are limited per client (lab.core.ratelimit), outside the page
# cache: the limit bounds the work one client can cause.
urlpatterns = [
    path("people/", views.people_list, name="list"),
    path("people/download.<str:fmt>", limit_downloads(views.people_download), name="download"),
    path("people/<slug:slug>/", person(views.person_detail), name="detail"),
    path("people/<slug:slug>/edit/", person(views.person_edit), name="edit"),
    path("institutions/", views.institution_list, name="institutions"),
    path("institutions/<slug:slug>/", institution(views.institution_detail), name="institution"),
]
