"""Building blocks shared by the lab's apps: timestamps and partial dates.

CVs give dates as "2019.8 - now", "2014-2018" or "Spring 2020", so a span is stored as
``start_year``/``start_month``/``end_year``/``end_month`` (months optional, an empty end meaning
"present"). The rules that keep such spans sane live in the database as check constraints.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

MIN_YEAR = 1900
MAX_YEAR = 2100


class TimeStampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class MergeableModel(models.Model):
    """A record with a page that duplicates of it can be merged into: the slugs of the records
    merged away are kept (their URLs answer 301 here), and the records a lab admin marked as
    not the same are kept apart (never suggested as duplicates, never merged)."""

    former_slugs = models.TextField(
        blank=True,
        help_text="Slugs of records merged into this one, one per line: their pages redirect "
        "here.",
    )
    kept_apart = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=True,
        help_text="Records a lab admin marked as not the same as this one: never suggested as "
        "duplicates, never merged.",
    )

    class Meta:
        abstract = True

    @property
    def former_slug_list(self) -> list[str]:
        return [line.strip() for line in self.former_slugs.splitlines() if line.strip()]


def year_field(verbose_name: str, *, required: bool = False, **kwargs) -> models.Field:
    return models.PositiveSmallIntegerField(
        verbose_name,
        null=not required,
        blank=not required,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
        **kwargs,
    )


def month_field(verbose_name: str, **kwargs) -> models.Field:
    return models.PositiveSmallIntegerField(
        verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="1-12; leave empty when the source gives only the year.",
        **kwargs,
    )


def year_in_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(
        **{f"{field}__gte": MIN_YEAR, f"{field}__lte": MAX_YEAR}
    )


def month_in_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 1, f"{field}__lte": 12})


def year_constraints(prefix: str, *fields: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(condition=year_in_range(field), name=f"{prefix}_{field}_plausible")
        for field in fields
    ]


def span_constraints(prefix: str, *, months: bool = True) -> list[models.BaseConstraint]:
    """Check constraints for a start/end span named ``start_year`` ... ``end_month``.

    Years are plausible, months are 1-12 and need their year, and the end is not before the
    start (compared by month only when both months are known).
    """
    constraints = year_constraints(prefix, "start_year", "end_year")
    end_not_before_start = (
        Q(start_year__isnull=True) | Q(end_year__isnull=True) | Q(end_year__gt=F("start_year"))
    )
    if months:
        constraints += [
            models.CheckConstraint(condition=month_in_range(field), name=f"{prefix}_{field}_valid")
            for field in ("start_month", "end_month")
        ]
        constraints += [
            models.CheckConstraint(
                condition=Q(**{f"{part}_month__isnull": True})
                | Q(**{f"{part}_year__isnull": False}),
                name=f"{prefix}_{part}_month_needs_year",
            )
            for part in ("start", "end")
        ]
        end_not_before_start |= Q(end_year=F("start_year")) & (
            Q(start_month__isnull=True)
            | Q(end_month__isnull=True)
            | Q(end_month__gte=F("start_month"))
        )
    else:
        end_not_before_start |= Q(end_year=F("start_year"))
    constraints.append(
        models.CheckConstraint(
            condition=end_not_before_start, name=f"{prefix}_end_not_before_start"
        )
    )
    return constraints


MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def format_partial_date(year: int | None, month: int | None = None) -> str:
    """ "Aug 2019", "2019", or "" for an unknown date."""
    if year is None:
        return ""
    if month is None:
        return str(year)
    return f"{MONTH_ABBREVIATIONS[month - 1]} {year}"


def format_span(
    start_year: int | None,
    start_month: int | None,
    end_year: int | None,
    end_month: int | None,
    *,
    ongoing: bool = True,
) -> str:
    """ "Aug 2019 – present", "2014 – 2018", "2024" for a span inside one year.

    ``ongoing`` says what an empty end means: "present" for roles, nothing for one-off items.
    """
    start = format_partial_date(start_year, start_month)
    end = format_partial_date(end_year, end_month)
    if not end:
        if not start:
            return ""
        return f"{start} – present" if ongoing else start
    if not start:
        return f"until {end}"
    if start == end:
        return start
    return f"{start} – {end}"
