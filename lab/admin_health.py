"""The data-health page for lab admins: ``/admin/data-health/`` (linked from the admin index)
and its CSV download ``/admin/data-health/report.csv``. The checks are in ``lab.health``."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_safe

from lab.core.spreadsheets import CSV_CONTENT_TYPE, attachment
from lab.groups import may_curate
from lab.health import health_report, report_csv


@require_safe
def data_health(request):
    if not may_curate(request.user):
        raise PermissionDenied
    sections = health_report()
    context = {
        **admin.site.each_context(request),
        "title": "Data health",
        "sections": sections,
        "problems": sum(section.count for section in sections),
    }
    return TemplateResponse(request, "admin/lab/data_health.html", context)


@require_safe
def data_health_csv(request):
    if not may_curate(request.user):
        raise PermissionDenied
    stamp = timezone.localdate().isoformat()
    return attachment(
        report_csv(health_report()),
        content_type=CSV_CONTENT_TYPE,
        filename=f"data-health-{stamp}.csv",
    )


urlpatterns = [
    path("", admin.site.admin_view(data_health), name="data-health"),
    path("report.csv", admin.site.admin_view(data_health_csv), name="data-health-csv"),
]
