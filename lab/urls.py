from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lab import views
from lab.media import media_urlpatterns

admin.site.site_header = settings.LAB_NAME
admin.site.site_title = settings.LAB_NAME
admin.site.index_title = "Curation"
# The admin index, with a link to the whole-lab workbook (it extends the admin's own index).
admin.site.index_template = "admin/lab/workbook_admin_index.html"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("healthz/", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The one-time set-password link of a new member login (people.admin_accounts). The
    # templates have their own names: the admin ships registration/password_reset_*.html, and
    # it comes first among the apps.
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_set_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_set_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("", include("people.urls")),
    path("", include("publications.urls")),
    path("admin/workbook/", include("lab.admin_workbook")),
    path("admin/recent-changes/", include("lab.admin_history")),
    path("admin/data-health/", include("lab.admin_health")),
    path("admin/", admin.site.urls),
]

# Uploaded photos, whatever DEBUG (lab/media.py); not mounted when SERVE_MEDIA is off.
urlpatterns += media_urlpatterns()
