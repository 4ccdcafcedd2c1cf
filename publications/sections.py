"""The publications app's sections on person and institution pages (see people.sections).

A person's publications and co-authors come from one load of their papers as plain rows
(``person_publication_sections``, publications.listing), so the two sections cost five
queries together whatever the number of papers and authors.
"""

from django.urls import reverse
from django.utils.http import urlencode

from people.models import Institution, Person
from people.sections import Section, institution_sections, person_sections
from publications import listing
from publications.listing import Author, PaperItem
from publications.models import Paper, Service
from publications.views import DOWNLOAD_FORMATS

TOP_COAUTHORS = 20
INSTITUTION_PAPERS = 20


def person_papers(person: Person) -> list[PaperItem]:
    """The person's papers, each work once (PaperQuerySet.works), newest first, with venue,
    byline, awards, keywords and the links to other versions, as plain rows (five queries)."""
    return listing.paper_list_items(Paper.objects.by(person).works())


def coauthors(person: Person, papers: list[PaperItem]) -> list[tuple[Author, int]]:
    """Everyone who shares a paper with ``person``, with the number of shared papers, most
    first (ties by name, then slug), from the papers' byline rows."""
    return listing.coauthors(person.pk, papers)


def publications_section(person: Person, papers: list[PaperItem] | None = None) -> Section | None:
    papers = person_papers(person) if papers is None else papers
    if not papers:
        return None
    return Section(
        template="publications/section_person_papers.html",
        context={"person": person, "papers": papers, "formats": DOWNLOAD_FORMATS},
    )


def service_section(person: Person) -> Section | None:
    services = list(Service.objects.filter(person=person).select_related("venue"))
    if not services:
        return None
    return Section(
        template="publications/section_person_service.html",
        context={"person": person, "services": services},
    )


def coauthors_section(person: Person, papers: list[PaperItem] | None = None) -> Section | None:
    ranked = coauthors(person, person_papers(person) if papers is None else papers)
    if not ranked:
        return None
    return Section(
        template="publications/section_person_coauthors.html",
        context={"coauthors": ranked[:TOP_COAUTHORS], "total": len(ranked)},
        slot="aside",
    )


def institution_papers_section(institution: Institution) -> Section | None:
    found = Paper.objects.by_institution(institution).works()
    papers = listing.paper_list_items(found[:INSTITUTION_PAPERS])
    if not papers:
        return None
    return Section(
        template="publications/section_institution_papers.html",
        context={
            "institution": institution,
            "papers": papers,
            "total": found.count(),
            "list_url": reverse("publications:list")
            + "?"
            + urlencode({"institution": institution.slug}),
        },
    )


def person_publication_sections(person: Person) -> list[Section]:
    """The publications (main) and co-authors (aside) sections, from one load of the papers."""
    papers = person_papers(person)
    built = (publications_section(person, papers), coauthors_section(person, papers))
    return [section for section in built if section is not None]


person_sections.extend([person_publication_sections, service_section])
institution_sections.append(institution_papers_section)
