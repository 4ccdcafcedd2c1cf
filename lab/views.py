from django.shortcuts import render
from django.views.decorators.http import require_safe

from people.models import Institution, Person
from publications.models import Paper, Venue


@require_safe
def home(request):
    """A plain index until the public pages exist: what is in the database, and the way in."""
    counts = [
        ("people", Person.objects.count()),
        ("papers", Paper.objects.count()),
        ("venues", Venue.objects.count()),
        ("institutions", Institution.objects.count()),
    ]
    return render(request, "lab/home.html", {"counts": counts})
