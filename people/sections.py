"""Sections that other apps add to the person and institution pages.

`people` never imports `publications`, yet a person's page shows their papers and service. The
dependent app registers a section builder here (from its `AppConfig.ready`); the people views call
every builder and include its template. A builder gets the object and the request and returns a
`Section`, or None to show nothing. Each builder must run a fixed number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest


@dataclass(frozen=True)
class Section:
    template: str
    context: dict = field(default_factory=dict)
    # "main" sections follow the page's own; "aside" ones go to the side column.
    slot: str = "main"


SectionBuilder = Callable[[object, HttpRequest], Section | None]

person_sections: list[SectionBuilder] = []
institution_sections: list[SectionBuilder] = []


def build(builders: list[SectionBuilder], obj, request) -> dict[str, list[Section]]:
    """The sections for one page, by slot."""
    slots: dict[str, list[Section]] = {"main": [], "aside": []}
    for builder in builders:
        section = builder(obj, request)
        if section is not None:
            slots[section.slot].append(section)
    return slots
