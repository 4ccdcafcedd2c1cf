"""``{% curation_result_list cl %}``: Django admin's ``{% result_list cl %}``, its rows written by
``CurationChangeList.result_rows`` when the change list is one (every curation admin's), the
same HTML (lab/library_templates/admin/change_list.html puts it in every change list)."""

from django import template
from django.contrib.admin.templatetags.admin_list import (
    result_headers,
    result_hidden_fields,
    result_list,
)
from django.contrib.admin.templatetags.base import InclusionAdminNode

from lab.core.curation_admin import CurationChangeList

register = template.Library()


def curation_result_list(cl):
    """Django's ``result_list(cl)``, the same context, the rows from ``result_rows``."""
    if not isinstance(cl, CurationChangeList):
        return result_list(cl)
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": cl.result_rows(),
    }


@register.tag(name="curation_result_list")
def curation_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=curation_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
