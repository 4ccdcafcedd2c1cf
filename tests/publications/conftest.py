"""Fixtures of the publication tests: the papers the website exports are checked on."""

import pytest

from publications.enums import VenueKind
from tests.factories import (
    AuthorshipFactory,
    KeywordFactory,
    PaperAwardFactory,
    PaperFactory,
    PersonFactory,
    VenueFactory,
)
from tests.publications.exported import HOST


@pytest.fixture
def site_host(settings):
    """The site answers to HOST (the exports write its address into links)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]


@pytest.fixture
def lab_papers():
    nsdi = VenueFactory(
        name="USENIX Symposium on Networked Systems Design and Implementation",
        short_name="NSDI",
        slug="nsdi",
        kind=VenueKind.CONFERENCE,
    )
    journal = VenueFactory(
        name="Proceedings of the VLDB Endowment", short_name="PVLDB", kind=VenueKind.JOURNAL
    )
    hu = PersonFactory(name="Qinghao Hu", given_name="Qinghao", family_name="Hu", slug="qinghao-hu")
    ixeia = PersonFactory(
        name="Ixeia Sánchez Pérez", given_name="Ixeia", family_name="Sánchez Pérez"
    )
    sun = PersonFactory(name="Peng Sun", given_name="Peng", family_name="Sun")
    featured = PaperFactory(
        title="Characterization of Large Language Model Development in the Datacenter",
        slug="llm-characterization",
        venue=nsdi,
        year=2024,
        month=4,
        doi="10.5555/llm-dev",
        arxiv_id="2403.07648",
        url="https://www.usenix.org/conference/nsdi24/presentation/hu",
        pdf_url="hu-nsdi24.pdf",
        code_url="https://github.com/example/acme",
        slides_url="https://example.org/slides.pdf",
        poster_url="https://example.org/poster.pdf",
        video_url="https://example.org/talk",
        website_url="https://acme.example.org/",
        google_scholar_id="qyhmnyLat1gC",
        selected=True,
        note="Invited Submission to USENIX ;login:",
    )
    AuthorshipFactory(paper=featured, person=hu, position=1, equal_contribution=True)
    AuthorshipFactory(paper=featured, person=ixeia, position=2, equal_contribution=True, lead=True)
    AuthorshipFactory(paper=featured, person=sun, position=3, corresponding=True)
    PaperAwardFactory(paper=featured, title="Distinguished Paper Award")
    featured.keywords.add(KeywordFactory(name="LLM training & serving"))
    article = PaperFactory(
        title="Fast Joins & 100% Recall",
        slug="fast-joins",
        venue=journal,
        year=2023,
        volume="17",
        pages="1234–1246",
        url="https://vldb.org/fast-joins",
        pdf_url="https://vldb.org/fast-joins.pdf",
    )
    AuthorshipFactory(paper=article, person=sun, position=1, mentee=True)
    AuthorshipFactory(paper=article, person=hu, position=2)
    unlinked = PaperFactory(title="A Paper Without Links", slug="unlinked", venue=nsdi, year=2022)
    AuthorshipFactory(paper=unlinked, person=hu, position=1)
    return {"featured": featured, "article": article, "unlinked": unlinked, "hu": hu}
