"""Sections that other apps add to the person and institution pages.

`people` never imports `publications`, yet a person's page shows their papers and service. The
dependent app registers a section builder here (from its `AppConfig.ready`); the people views call
every builder and include its template. A builder gets the object only, never the request: the
sections are rendered into a fragment cached for every viewer, so nothing in them may depend on
who is looking. It returns a `Section`, several, or None to show nothing, and runs a fixed
number of queries.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Section:
    template: str
    context: dict = field(default_factory=dict)
    # "main" sections follow the page's own; "aside" ones go to the side column.
    slot: str = "main"


SectionBuilder = Callable[[object], Section | Iterable[Section] | None]

person_sections: list[SectionBuilder] = []
institution_sections: list[SectionBuilder] = []


def build(builders: list[SectionBuilder], obj) -> dict[str, list[Section]]:
    """The sections for one page, by slot, in the order the builders were registered."""
    slots: dict[str, list[Section]] = {"main": [], "aside": []}
    for builder in builders:
        built = builder(obj)
        for section in [built] if isinstance(built, Section) else built or []:
            slots[section.slot].append(section)
    return slots
