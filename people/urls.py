from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("people/", views.people_list, name="list"),
    path("people/download.<str:fmt>", views.people_download, name="download"),
    path("people/<slug:slug>/", views.person_detail, name="detail"),
    path("people/<slug:slug>/edit/", views.person_edit, name="edit"),
    path("institutions/", views.institution_list, name="institutions"),
    path("institutions/<slug:slug>/", views.institution_detail, name="institution"),
]
