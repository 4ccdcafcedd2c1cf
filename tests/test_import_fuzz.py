"""Generated CSV rows thrown at the paper import through the admin: never a server error, and
a rejected file writes nothing. Hypothesis shrinks any failure to the smallest bad file."""

import csv
import io

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from people.models import Person
from publications.models import Authorship, Paper, Venue
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

PAPERS = "/admin/publications/paper"
COLUMNS = ["slug", "title", "authors", "venue", "year", "month", "status", "doi"]

# Mostly plausible cells with hostile ones mixed in: formulas, markup, control characters,
# unknown references, out-of-range numbers, separators and marks in odd places.
cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "=1+1",
            "'=SUM(A1)",
            "@cmd",
            "+41",
            "-3",
            "<script>alert(1)</script>",
            "nsdi",
            "no-such-venue",
            "2024",
            "1899",
            "13",
            "published",
            "bogus",
            "10.1145/1",
            "Kai Chen*; Ada Fuzz‡",
            "Kai Chen; Kai Chen",
            "Hao Wang <no-such-slug>",
            ";;",
            "x" * 600,
        ]
    ),
)
hostile_row = st.fixed_dictionaries(dict.fromkeys(COLUMNS, cell))
good_row = st.fixed_dictionaries(
    {
        "slug": st.from_regex(r"\Ap-[a-z0-9]{1,12}\Z"),
        "title": st.text(st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=40)
        .map(str.strip)
        .filter(bool),
        "authors": st.sampled_from(["Kai Chen", "Kai Chen*; Ada Fuzz", "Bo Li‡; Kai Chen✉"]),
        "venue": st.sampled_from(["nsdi", ""]),
        "year": st.sampled_from(["", "2001", "2025"]),
        "month": st.sampled_from(["", "1", "12"]),
        "status": st.just("published"),
        "doi": st.just(""),
    }
)
# Valid rows, so the confirm path runs too, with hostile ones mixed in.
row = st.one_of(good_row, good_row, hostile_row)


def csv_file(rows: list[dict]) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    upload = io.BytesIO(text.getvalue().encode())
    upload.name = "papers.csv"
    return upload


def counts() -> tuple[int, int, int, int]:
    return (
        Paper.objects.count(),
        Person.objects.count(),
        Authorship.objects.count(),
        Venue.objects.count(),
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(row, min_size=1, max_size=4, unique_by=lambda r: r["slug"]))
def test_generated_rows_never_crash_the_import_and_rejections_write_nothing(
    lab_admin_client, rows
):
    venue, _ = Venue.objects.get_or_create(slug="nsdi", defaults={"name": "NSDI"})
    if not Person.objects.filter(name="Kai Chen").exists():
        PersonFactory(name="Kai Chen", slug="kai-chen")
    before = counts()

    preview = lab_admin_client.post(
        f"{PAPERS}/import/", {"format": "0", "resource": "0", "import_file": csv_file(rows)}
    )

    assert preview.status_code == 200
    assert counts() == before  # a preview never writes
    result = preview.context.get("result")
    accepted = "confirm_form" in preview.context and result is not None and not (
        result.lab_problems
    )
    event("accepted" if accepted else "rejected")
    if not accepted:
        return
    form = preview.context["confirm_form"]  # posted back as the browser does: every field
    confirmed = lab_admin_client.post(
        f"{PAPERS}/process_import/", {name: form.initial.get(name, "") for name in form.fields}
    )
    assert confirmed.status_code == 302
    slugs = {r["slug"] for r in rows}
    assert set(Paper.objects.filter(slug__in=slugs).values_list("slug", flat=True)) == slugs
    assert venue.pk == Venue.objects.get(slug="nsdi").pk
