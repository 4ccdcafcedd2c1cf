from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path

from lab import views

admin.site.site_header = settings.LAB_NAME
admin.site.site_title = settings.LAB_NAME
admin.site.index_title = "Curation"

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
