"""The synthetic lab's records and the steps that draw them (``generate_lab``).

``LabSize`` says how big a lab to make; ``_Generator`` makes it, one step per kind of record
(institutions, people, roles, venues, awards and service, papers, authorships), every choice
drawn from one seeded random generator. The steps run in a fixed order and each draws in a
fixed order, so a seed always gives the same lab. A change that adds, drops or reorders a draw
changes every record after it, and no test notices (they compare runs with each other): to
refactor, compare a dump of a small lab from before and after.
"""

import itertools
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils.text import slugify

from devtools.synthetic.bulk import _create
from devtools.synthetic.vocabulary import (
    ADJECTIVES,
    CITIES,
    COMPANIES,
    COURSES,
    DEGREES,
    DOMAINS,
    FACULTY_TITLES,
    FAMILY_NAMES,
    FIRST_YEAR,
    GIVEN_NAMES,
    JOBS,
    LAST_YEAR,
    PAPER_AWARDS,
    PERSON_AWARDS,
    PUBLISHERS,
    SUBJECTS,
    SYSTEM_PREFIXES,
    SYSTEM_SUFFIXES,
    TECHNIQUES,
    TITLE_TEMPLATES,
    VENUES,
)
from lab.core.cache import invalidate_pages
from lab.core.slugs import SlugAllocator
from people.enums import InstitutionKind, RoleKind, Term
from people.models import Award, Institution, Person, Role
from people.validators import orcid_check_digit
from publications.enums import PaperStatus, ServiceKind, VenueKind
from publications.models import Paper, PaperAward, Service, Venue
from publications.services import AuthorSpec, papers_set_authorships

# Each person's papers: the lab's head is on about ten times the average share; everyone
# else is drawn with weight 1/(rank + N/10)^1.3, flat enough that the next most prolific
# people have a couple of hundred papers at the default size and the least a handful.
HEAD_FACTOR = 10
ZIPF_EXPONENT = 1.3
ZIPF_OFFSET = 0.1


@dataclass(frozen=True)
class LabSize:
    people: int = 3000
    papers: int = 20000
    authors_per_paper: int = 6
    venues: int = 30

    def check(self) -> None:
        if self.authors_per_paper < 1:
            raise ValueError("A paper needs at least one author.")
        if self.people < max(10, self.authors_per_paper + 1):
            raise ValueError(
                "Too few people: need at least 10 and more than the authors per paper."
            )
        if self.venues < 1 or self.papers < 1:
            raise ValueError("Need at least one venue and one paper.")


def generate_lab(*, size: LabSize | None = None, seed: int = 1) -> dict[str, int]:
    """Write a synthetic lab of ``size`` into an empty database; return the rows per kind.

    Deterministic: the same seed and size give the same records. One transaction.
    """
    size = size or LabSize()
    size.check()
    with transaction.atomic():
        counts = _Generator(size, seed).run()
        invalidate_pages()
    if connection.vendor == "postgresql":
        # The benchmarks' pages are then planned on the tables as they are, not as they were
        # empty (autovacuum may be off, and comes round late anyway: lab.core.bulk).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return counts


class _Generator:
    def __init__(self, size: LabSize, seed: int):
        self.size = size
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets

    def run(self) -> dict[str, int]:
        self.institutions()
        self.people()
        self.roles()
        self.venues()
        self.awards_and_service()
        self.papers()
        self.authorships()
        return {
            "institutions": len(self.universities) + len(self.companies)
            + len(self.publishers) + 1,
            "people": len(self.persons),
            "roles": self.role_count,
            "advisor links": self.advisor_count,
            "awards": len(self.awards),
            "venues": len(self.venue_rows),
            "service": len(self.services),
            "papers": len(self.paper_rows),
            "authorships": self.authorship_count,
            "paper awards": self.paper_award_count,
        }  # fmt: skip

    # Institutions --------------------------------------------------------------------------

    def institutions(self) -> None:
        slugs = SlugAllocator()
        slugs.taken.add(settings.LAB_INSTITUTION)
        # In this order: the slugs a namesake gets, and the draws, depend on it.
        rows = [*self._publishers(slugs), *self._universities(slugs), *self._companies(slugs)]
        rows = _create(Institution, rows)
        self.publishers = {row.short_name: row for row in rows[: len(PUBLISHERS)]}
        self.universities = rows[len(PUBLISHERS) : len(PUBLISHERS) + len(CITIES)]
        self.companies = rows[len(PUBLISHERS) + len(CITIES) :]
        self.university = self.universities[0]
        self.lab = _create(
            Institution,
            [
                Institution(
                    name=settings.LAB_INSTITUTION.replace("-", " ").title(),
                    short_name=settings.LAB_INSTITUTION.split("-")[0].upper(),
                    slug=settings.LAB_INSTITUTION,
                    kind=InstitutionKind.LAB,
                    parent=self.university,
                    country=self.university.country,
                    city=self.university.city,
                    note="Synthetic lab generated for benchmarks.",
                )
            ],
        )[0]

    @staticmethod
    def _publishers(slugs) -> list[Institution]:
        return [
            Institution(
                name=name, short_name=short, slug=slugs(short), kind=InstitutionKind.PUBLISHER
            )
            for short, name, _prefix in PUBLISHERS
        ]

    @staticmethod
    def _universities(slugs) -> list[Institution]:
        rows = []
        for index, (city, country) in enumerate(CITIES):
            name = (
                f"{city} University of Science and Technology"
                if index % 3 == 0
                else f"University of {city}"
            )
            short = f"{city[:2].upper()}U" if index % 3 else f"{city[0]}UST"
            rows.append(
                Institution(
                    name=name,
                    short_name=short,
                    slug=slugs(name),
                    kind=InstitutionKind.UNIVERSITY,
                    country=country,
                    city=city,
                    url=f"https://www.{slugify(city)}.example.edu/",
                )
            )
        return rows

    def _companies(self, slugs) -> list[Institution]:
        rng = self.rng
        rows = []
        for name in COMPANIES:
            city, country = rng.choice(CITIES)
            rows.append(
                Institution(
                    name=name,
                    slug=slugs(name),
                    kind=InstitutionKind.COMPANY,
                    country=country,
                    city=city,
                )
            )
        return rows

    # People ---------------------------------------------------------------------------------

    def people(self) -> None:
        rng, slugs = self.rng, SlugAllocator()
        orcids: set[str] = set()
        rows = []
        for rank in range(self.size.people):
            given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
            if rng.random() < 0.4:  # a middle initial: namesakes exist, but not by the hundred
                given = f"{given} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
            name = f"{given} {family}"
            person = Person(
                name=name, given_name=given, family_name=family, slug=slugs(name)
            )
            if rng.random() < 0.03:
                person.aliases = f"{given[0]}. {family}"
            if rank < self.lab_size or rng.random() < 0.1:
                person.homepage = f"https://{person.slug}.example.org/"
                person.email = f"{person.slug}@example.org"
                person.research_interests = "\n".join(rng.sample(DOMAINS, 3))
            if rank < self.lab_size:
                person.bio = (
                    f"{given} works on **{rng.choice(SUBJECTS).lower()}** for "
                    f"{rng.choice(DOMAINS).lower()}.\n\nBefore joining the lab, {given} studied "
                    f"at the {rng.choice(self.universities).name}."
                )
                person.github = slugify(person.slug)[:39].strip("-")
            if rng.random() < 0.05:
                base = f"{rng.randrange(10**15):015d}"
                orcid = f"{base[:4]}-{base[4:8]}-{base[8:12]}-{base[12:]}{orcid_check_digit(base)}"
                if orcid not in orcids:
                    orcids.add(orcid)
                    person.orcid = orcid
            rows.append(person)
        self.persons = _create(Person, rows)

    @property
    def lab_size(self) -> int:
        """Faculty, students, postdocs and visitors of the lab: ~60 at the default size."""
        return min(64, max(6, self.size.people // 20))

    # Roles, awards, service ---------------------------------------------------------------

    def roles(self) -> None:
        """The lab's faculty, then its students, postdocs and visitors, then everyone else."""
        roles: list[Role] = []
        advisors: list[tuple[int, Person]] = []  # (index into roles, advisor)
        faculty_count = max(1, min(4, self.lab_size // 10))
        faculty = self.persons[:faculty_count]
        for index, person in enumerate(faculty):
            roles.extend(self._faculty_roles(index, person))
        for position, person in enumerate(self.persons[faculty_count : self.lab_size]):
            current = position % 5 < 2  # two in five are current members, the rest alumni
            member_roles, member_advisors = self._member_roles(person, current, faculty)
            # The advisors advise the member's first role, the one at the lab.
            advisors.extend((len(roles), advisor) for advisor in member_advisors)
            roles.extend(member_roles)
        for person in self.persons[self.lab_size :]:
            roles.extend(self._outside_roles(person))
        roles = _create(Role, roles)
        through = Role.advisors.through
        _create(
            through,
            [through(role_id=roles[index].pk, person_id=advisor.pk) for index, advisor in advisors],
        )
        self.role_count, self.advisor_count = len(roles), len(advisors)

    def _faculty_roles(self, index, person) -> list[Role]:
        rng = self.rng
        start = 2002 + 4 * index
        return [
            Role(
                person=person,
                kind=RoleKind.POSITION,
                title=FACULTY_TITLES[index],
                institution=self.university,
                unit="Department of Computer Science and Engineering",
                start_year=start,
                start_month=rng.choice((1, 7, 9)),
            ),
            Role(
                person=person,
                kind=RoleKind.MEMBERSHIP,
                title="Director" if index == 0 else "Faculty member",
                institution=self.lab,
                start_year=start,
            ),
            self._degree(person, DEGREES[0], start - 5, rng.choice(self.universities)),
        ]

    def _member_roles(self, person, current, faculty) -> tuple[list[Role], list[Person]]:
        """A student's, postdoc's or visitor's roles, the one at the lab first, and the
        faculty who advise it. Students also get an earlier degree and a teaching role;
        alumni a job after the lab."""
        rng = self.rng
        role = self._lab_role(person, current)
        roles = [role]
        advisors = rng.sample(faculty, min(len(faculty), rng.choice((1, 1, 2))))
        if role.kind == RoleKind.EDUCATION:
            start = role.start_year
            roles.append(
                self._degree(person, DEGREES[3], start - 4, rng.choice(self.universities))
            )
            roles.append(self._teaching(person, min(start + 1, LAST_YEAR)))
        if not current:
            roles.append(self._job(person, role.end_year))
        return roles, advisors

    def _lab_role(self, person, current) -> Role:
        rng = self.rng
        kind_roll = rng.random()
        if kind_roll < 0.6:
            title, years, kind = (*rng.choice(DEGREES[:2]), RoleKind.EDUCATION)
        elif kind_roll < 0.8:
            title, years, kind = "Postdoctoral Fellow", 2, RoleKind.POSITION
        elif kind_roll < 0.9:
            title, years, kind = "Research Assistant", 1, RoleKind.POSITION
        else:
            title, years, kind = "Visiting Ph.D. Student", 1, RoleKind.VISITING
        start = rng.randint(LAST_YEAR - years + 1, LAST_YEAR) if current else rng.randint(
            2004, LAST_YEAR - years - 1
        )
        role = Role(
            person=person,
            kind=kind,
            title=title,
            institution=self.lab,
            start_year=start,
            start_month=rng.choice((2, 8, 9)),
        )
        if not current:
            role.end_year = start + years
            role.end_month = rng.choice((6, 7, 8))
            if kind == RoleKind.EDUCATION and title.startswith("Ph.D."):
                role.thesis_title = self._title(rng)[0]
        return role

    def _outside_roles(self, person) -> list[Role]:
        """Someone outside the lab: maybe a degree (and then maybe a job), maybe only a job."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            year = rng.randint(FIRST_YEAR - 10, LAST_YEAR - 5)
            roles = [
                self._degree(person, rng.choice(DEGREES), year, rng.choice(self.universities))
            ]
            if roll < 0.2:
                roles.append(self._job(person, year + 5))
            return roles
        if roll < 0.6:
            return [self._job(person, rng.randint(FIRST_YEAR, LAST_YEAR))]
        return []

    def _degree(self, person, degree, start, institution) -> Role:
        title, years = degree
        end = start + years
        return Role(
            person=person,
            kind=RoleKind.EDUCATION,
            title=title,
            institution=institution,
            unit="Department of Computer Science",
            start_year=start,
            start_month=9,
            end_year=end if end <= LAST_YEAR else None,
            end_month=7 if end <= LAST_YEAR else None,
        )

    def _teaching(self, person, year) -> Role:
        rng = self.rng
        return Role(
            person=person,
            kind=RoleKind.TEACHING,
            title="Teaching Assistant",
            institution=self.university,
            unit=rng.choice(COURSES),
            term=rng.choice((Term.SPRING, Term.FALL)),
            start_year=year,
            end_year=year,
        )

    def _job(self, person, start) -> Role:
        rng = self.rng
        place = rng.choice(self.companies if rng.random() < 0.5 else self.universities)
        role = Role(
            person=person,
            kind=RoleKind.POSITION,
            title=rng.choice(JOBS),
            institution=place,
            start_year=start,
            start_month=rng.randint(1, 12) if rng.random() < 0.7 else None,
        )
        ending = rng.random()
        if ending < 0.15 and start < LAST_YEAR:
            role.end_year = rng.randint(start + 1, LAST_YEAR)
        elif ending < 0.2:
            role.end_unknown = True
        return role

    def awards_and_service(self) -> None:
        rng = self.rng
        issuers = [*self.companies, *self.publishers.values()]
        awards = []
        for person in self.persons:
            if rng.random() >= 0.05 and person is not self.persons[0]:
                continue
            year = rng.randint(FIRST_YEAR, LAST_YEAR)
            award = Award(
                person=person,
                title=rng.choice(PERSON_AWARDS),
                year=year,
                issuer=rng.choice(issuers) if rng.random() < 0.7 else None,
            )
            if rng.random() < 0.2 and year < LAST_YEAR:
                award.end_year = rng.randint(year + 1, LAST_YEAR)
            elif rng.random() < 0.1:
                award.ongoing = True
            awards.append(award)
        self.awards = _create(Award, awards)
        services = []
        for rank, person in enumerate(self.persons):
            count = 6 if rank == 0 else (rng.randint(1, 3) if rng.random() < 0.06 else 0)
            for _ in range(count):
                start = rng.randint(2010, LAST_YEAR)
                services.append(
                    Service(
                        person=person,
                        venue=rng.choice(self.venue_rows),
                        kind=rng.choice(ServiceKind.values),
                        start_year=start,
                        end_year=min(LAST_YEAR, start + rng.choice((0, 0, 1, 2))),
                        note=f"Workshop on {rng.choice(DOMAINS)}" if rng.random() < 0.05 else "",
                    )
                )
        self.services = _create(Service, services)

    # Venues and papers --------------------------------------------------------------------

    def venues(self) -> None:
        slugs, rows = SlugAllocator(), []
        for index in range(self.size.venues):
            if index < len(VENUES):
                short, name, kind, publisher = VENUES[index]
            else:
                number = index - len(VENUES) + 1
                short, name, kind, publisher = (
                    f"WS{number}",
                    f"Workshop on {DOMAINS[number % len(DOMAINS)]} {number}",
                    VenueKind.WORKSHOP,
                    "ACM",
                )
            rows.append(
                Venue(
                    name=name,
                    short_name=short,
                    slug=slugs(short),
                    kind=kind,
                    publisher=self.publishers.get(publisher),
                    url=f"https://{slugify(short)}.example.org/",
                )
            )
        self.venue_rows = _create(Venue, rows)
        self.preprint_venue = next(
            (venue for venue in self.venue_rows if venue.kind == VenueKind.PREPRINT), None
        )
        self.formal_venues = [
            venue for venue in self.venue_rows if venue.kind != VenueKind.PREPRINT
        ] or self.venue_rows
        # Conferences carry most of a systems lab's papers.
        self.venue_weights = [
            {VenueKind.CONFERENCE: 6, VenueKind.JOURNAL: 2}.get(venue.kind, 1)
            for venue in self.formal_venues
        ]

    @staticmethod
    def _title(rng) -> tuple[str, str]:
        system = rng.choice(SYSTEM_PREFIXES) + rng.choice(SYSTEM_SUFFIXES)
        template = rng.choice(TITLE_TEMPLATES)
        title = template.format(
            system=system,
            adjective=rng.choice(ADJECTIVES),
            subject=rng.choice(SUBJECTS),
            domain=rng.choice(DOMAINS),
            technique=rng.choice(TECHNIQUES),
        )
        return title, system if "{system}" in template else ""

    def papers(self) -> None:
        slugs = SlugAllocator()
        prefixes = {self.publishers[short].pk: prefix for short, _name, prefix in PUBLISHERS}
        rows = [self._paper(index, slugs, prefixes) for index in range(self.size.papers)]
        self.paper_rows = _create(Paper, rows)

    def _paper(self, index, slugs, prefixes) -> Paper:
        """The ``index``-th paper: its year, status, title and venue, then its details."""
        rng = self.rng
        # More papers in later years, as labs grow.
        year = FIRST_YEAR + min(LAST_YEAR - FIRST_YEAR, int(26 * rng.random() ** 0.7))
        roll = rng.random()
        if year == LAST_YEAR and roll < 0.5:
            status = (PaperStatus.ACCEPTED, PaperStatus.UNDER_REVIEW, PaperStatus.PREPRINT)[
                int(roll * 6)
            ]
        elif roll < 0.06 and year >= 2010:
            status = PaperStatus.PREPRINT
        else:
            status = PaperStatus.PUBLISHED
        title, system = self._title(rng)
        paper = Paper(
            title=title,
            slug=slugs(f"{title} {year}"),
            system_name=system,
            year=year,
            month=rng.randint(1, 12) if rng.random() < 0.7 else None,
            status=status,
        )
        if status == PaperStatus.UNDER_REVIEW:
            if rng.random() < 0.3:
                paper.year = paper.month = None  # undated, "in submission"
        elif status == PaperStatus.PREPRINT:
            paper.venue = self.preprint_venue
        else:
            paper.venue = rng.choices(self.formal_venues, self.venue_weights)[0]
        self._paper_details(paper, index, system, prefixes)
        return paper

    def _paper_details(self, paper, index, system, prefixes) -> None:
        """An abstract, a DOI, an arXiv id, links and flags, each for some of the papers."""
        rng, title, status = self.rng, paper.title, paper.status
        if rng.random() < 0.6:
            paper.abstract = (
                f"{title} is hard at scale. We present {system or 'a new design'}, which "
                f"combines {rng.choice(TECHNIQUES).lower()} with "
                f"{rng.choice(SUBJECTS).lower()}. On a {rng.choice((64, 128, 512, 1024))}-GPU "
                f"cluster it improves throughput by {rng.randint(12, 380)}% over the state "
                f"of the art."
            )
        publisher = paper.venue.publisher_id if paper.venue else None
        if status == PaperStatus.PUBLISHED and publisher in prefixes and rng.random() < 0.7:
            paper.doi = f"10.{prefixes[publisher]}/{3_000_000 + index}"
        if paper.year and paper.year >= 2010 and index < 100_000 and (
            status == PaperStatus.PREPRINT or rng.random() < 0.2
        ):
            paper.arxiv_id = f"{paper.year % 100:02d}{paper.month or 1:02d}.{index:05d}"
        if rng.random() < 0.3:
            paper.url = f"https://papers.example.org/{paper.slug}"
            paper.pdf_url = f"https://papers.example.org/{paper.slug}.pdf"
        if system and rng.random() < 0.4:
            paper.code_url = f"https://github.com/synthetic-lab/{system.lower()}"
        paper.selected = rng.random() < 0.02
        paper.authors_complete = rng.random() >= 0.01

    # Authorships ----------------------------------------------------------------------------

    def authorships(self) -> None:
        rng, size = self.rng, self.size
        count = size.people
        head_share = min(0.6, HEAD_FACTOR * size.authors_per_paper / count)
        offset = max(1.0, count * ZIPF_OFFSET)
        weights = [1 / (rank + offset) ** ZIPF_EXPONENT for rank in range(1, count)]
        cumulative = list(itertools.accumulate(weights))
        others = range(1, count)
        lab_ranks = self.lab_size
        bylines, awards = {}, []
        for paper in self.paper_rows:
            ranks: list[int] = [0] if rng.random() < head_share else []
            while len(ranks) < size.authors_per_paper:
                for rank in rng.choices(others, cum_weights=cumulative, k=size.authors_per_paper):
                    if rank not in ranks and len(ranks) < size.authors_per_paper:
                        ranks.append(rank)
            rng.shuffle(ranks)
            # The senior lab member on a paper goes last, as in systems bylines.
            senior = min(ranks)
            if senior < lab_ranks:
                ranks.remove(senior)
                ranks.append(senior)
            equal = rng.random() < 0.12
            bylines[paper] = byline = []
            for position, rank in enumerate(ranks, start=1):
                person = self.persons[rank]
                printed_name = ""
                if rng.random() < 0.01:
                    printed_name = f"{person.given_name[0]}. {person.family_name}"
                byline.append(
                    AuthorSpec(
                        person=person,
                        printed_name=printed_name,
                        equal_contribution=equal and position <= 2 and len(ranks) > 1,
                        lead=position == 1 and rng.random() < 0.05,
                        mentee=position == 1 and senior < lab_ranks and rng.random() < 0.05,
                        corresponding=position == len(ranks) and rng.random() < 0.3,
                    )
                )
            if rng.random() < 0.012:
                for title in rng.sample(PAPER_AWARDS, rng.choice((1, 1, 1, 2))):
                    awards.append(PaperAward(paper=paper, title=title))
        # Through the byline service's bulk form, as every write of byline rows.
        papers_set_authorships(authors=bylines, new={paper.pk for paper in bylines})
        _create(PaperAward, awards)
        self.authorship_count = sum(len(byline) for byline in bylines.values())
        self.paper_award_count = len(awards)
