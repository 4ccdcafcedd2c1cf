"""A large synthetic lab, for measuring the pages (``manage.py generate_lab``).

The same seed always gives the same records (names, slugs, titles, bylines, roles), so two
benchmark runs compare like with like. Nothing here is real: names are combined from lists,
titles from phrase lists, DOIs and arXiv ids are numbered.

The shape is that of a real systems lab, scaled up: a lab (the institution named by
``settings.LAB_INSTITUTION``) inside a university, a few faculty with positions there, about
sixty students, postdocs and visitors with current and past roles at the lab and advisors, and
thousands of co-authors with degrees and jobs elsewhere. Authors are drawn from a Zipf-like
distribution, so a few people author hundreds of papers and most a few dozen; the lab's head
(rank 0) is on about ten times the average number of papers, which makes their profile the
heaviest person page.

Why rows are written in bulk rather than through ``paper_set_byline``: the byline service
parses, matches and validates one paper at a time (several queries per paper), which for 20,000
papers takes minutes; the benchmark needs the data in seconds. Rows go in with ``bulk_create``
in batches, the 120,000 author rows with COPY or a prepared INSERT (``_insert_rows``), all in one
transaction. What is written here satisfies every database constraint (unique slugs, DOIs, arXiv
ids, author positions and people per paper, months, years, spans, choices), which the database
enforces on insert. Bulk writes send no signals, so the page cache is invalidated explicitly.
"""

import itertools
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from lab.core.cache import invalidate_pages
from lab.core.slugs import SlugAllocator
from people.enums import InstitutionKind, RoleKind, Term
from people.models import Award, Institution, Person, Role
from people.validators import orcid_check_digit
from publications.enums import PaperStatus, ServiceKind, VenueKind
from publications.models import Authorship, Paper, PaperAward, Service, Venue

# Rows per INSERT. SQLite's variable limit (999 by default) caps this further: Django lowers
# the batch to fit (DatabaseOperations.bulk_batch_size), so one value serves both databases.
BATCH_SIZE = 1000

# The models generate_lab writes, children first: the order flush_lab deletes them in.
LAB_MODELS = (
    Authorship.affiliations.through,
    Authorship,
    PaperAward,
    Service,
    Paper,
    Venue,
    Role.advisors.through,
    Role,
    Award,
    Person,
    Institution,
)

FIRST_YEAR = 2000
LAST_YEAR = 2025

GIVEN_NAMES = (
    "Aiko", "Alejandro", "Amara", "Anders", "Ananya", "Bao", "Beatriz", "Chen", "Chiara",
    "Dmitri", "Elif", "Emeka", "Fatima", "Felix", "Hana", "Haruto", "Ines", "Ioana", "Jae-won",
    "Jiahui", "Jonas", "Kai", "Kavya", "Lars", "Leila", "Lucía", "Mateo", "Mei", "Min-jun",
    "Nadia", "Nikhil", "Noor", "Olga", "Omar", "Priya", "Qinghao", "Rafael", "Rui", "Sakura",
    "Santiago", "Sofia", "Søren", "Tariq", "Thanh", "Tomás", "Wei", "Xinyu", "Yara", "Yusuf",
    "Zeynep", "Zhiyuan", "Zoë", "Arjun", "Bjørn", "Camila", "Darius", "Eun-ji", "Farah",
    "Gabriel", "Hyun", "Isabel", "Jun", "Kenji", "Lin", "Marta", "Nam", "Pablo", "Ravi",
    "Shu", "Tian", "Uma", "Viktor", "Xiao", "Yan", "Zhen",
)  # fmt: skip
FAMILY_NAMES = (
    "Abe", "Ahmed", "Andersen", "Bauer", "Becker", "Chan", "Chen", "Cheng", "Costa", "Dubois",
    "Fernández", "Fischer", "García", "Gupta", "Haddad", "Hansen", "Ho", "Hu", "Huang", "Ivanova",
    "Jensen", "Kim", "Kowalski", "Kumar", "Lam", "Lee", "Li", "Lin", "Liu", "López", "Ma",
    "Martin", "Müller", "Nakamura", "Nguyen", "Novak", "Okafor", "Park", "Pereira", "Petrov",
    "Rossi", "Sánchez Pérez", "Sato", "Schmidt", "Shah", "Silva", "Singh", "Sun", "Suzuki",
    "Tan", "Tanaka", "Tran", "Wang", "Weber", "Wong", "Wu", "Xu", "Yamamoto", "Yang", "Yilmaz",
    "Zhang", "Zhao", "Zhou", "Öztürk", "Berg", "Cohen", "Dias", "Eriksen", "Farouk", "Gao",
    "Han", "Iyer", "Jung", "Khan", "Luo",
)  # fmt: skip

CITIES = (
    ("Clearwater", "HK"), ("Northbridge", "GB"), ("Lakeshore", "US"), ("Eastvale", "US"),
    ("Riverton", "CA"), ("Hillcrest", "AU"), ("Stonebrook", "DE"), ("Westmere", "NZ"),
    ("Harborview", "SG"), ("Pinecrest", "CH"), ("Redcliff", "FR"), ("Silverlake", "JP"),
    ("Oakridge", "KR"), ("Maplewood", "NL"), ("Fairhaven", "SE"), ("Brightwater", "CN"),
    ("Ashford", "IE"), ("Kingsport", "IN"), ("Greystone", "IT"), ("Sunvale", "ES"),
)  # fmt: skip
COMPANIES = (
    "Northwind Systems", "Contoso Research", "Fabrikam Cloud", "Initech Labs", "Globex AI",
    "Umbrella Compute", "Hooli Networks", "Stark Silicon", "Wayne Data", "Tyrell Devices",
    "Soylent Storage", "Cyberdyne Systems",
)  # fmt: skip
PUBLISHERS = (
    ("ACM", "Association for Computing Machinery", "1145"),
    ("IEEE", "Institute of Electrical and Electronics Engineers", "1109"),
    ("USENIX", "USENIX Association", "5555"),
    ("Springer", "Springer Nature", "1007"),
)

# (short name, name, kind, publisher short name), ordered so that any prefix mixes the kinds.
VENUES = (
    ("NSDI", "USENIX Symposium on Networked Systems Design and Implementation",
     VenueKind.CONFERENCE, "USENIX"),
    ("ToN", "IEEE/ACM Transactions on Networking", VenueKind.JOURNAL, "IEEE"),
    ("HotNets", "ACM Workshop on Hot Topics in Networks", VenueKind.WORKSHOP, "ACM"),
    ("arXiv", "arXiv", VenueKind.PREPRINT, ""),
    ("SIGCOMM", "ACM SIGCOMM Conference", VenueKind.CONFERENCE, "ACM"),
    ("OSDI", "USENIX Symposium on Operating Systems Design and Implementation",
     VenueKind.CONFERENCE, "USENIX"),
    ("TPDS", "IEEE Transactions on Parallel and Distributed Systems", VenueKind.JOURNAL, "IEEE"),
    ("HotOS", "Workshop on Hot Topics in Operating Systems", VenueKind.WORKSHOP, "ACM"),
    ("SOSP", "ACM Symposium on Operating Systems Principles", VenueKind.CONFERENCE, "ACM"),
    ("EuroSys", "European Conference on Computer Systems", VenueKind.CONFERENCE, "ACM"),
    ("JSAC", "IEEE Journal on Selected Areas in Communications", VenueKind.JOURNAL, "IEEE"),
    ("APNet", "Asia-Pacific Workshop on Networking", VenueKind.WORKSHOP, "ACM"),
    ("ATC", "USENIX Annual Technical Conference", VenueKind.CONFERENCE, "USENIX"),
    ("INFOCOM", "IEEE International Conference on Computer Communications",
     VenueKind.CONFERENCE, "IEEE"),
    ("TOCS", "ACM Transactions on Computer Systems", VenueKind.JOURNAL, "ACM"),
    ("MLSys", "Conference on Machine Learning and Systems", VenueKind.CONFERENCE, ""),
    ("SIGMOD", "ACM SIGMOD International Conference on Management of Data",
     VenueKind.CONFERENCE, "ACM"),
    ("VLDB", "International Conference on Very Large Data Bases", VenueKind.CONFERENCE, ""),
    ("CoNEXT", "ACM International Conference on emerging Networking EXperiments and Technologies",
     VenueKind.CONFERENCE, "ACM"),
    ("SoCC", "ACM Symposium on Cloud Computing", VenueKind.CONFERENCE, "ACM"),
    ("CSUR", "ACM Computing Surveys", VenueKind.JOURNAL, "ACM"),
    ("EdgeSys", "International Workshop on Edge Systems, Analytics and Networking",
     VenueKind.WORKSHOP, "ACM"),
    ("ASPLOS", "International Conference on Architectural Support for Programming Languages "
     "and Operating Systems", VenueKind.CONFERENCE, "ACM"),
    ("FAST", "USENIX Conference on File and Storage Technologies", VenueKind.CONFERENCE,
     "USENIX"),
    ("ICDCS", "IEEE International Conference on Distributed Computing Systems",
     VenueKind.CONFERENCE, "IEEE"),
    ("SC", "International Conference for High Performance Computing, Networking, Storage and "
     "Analysis", VenueKind.CONFERENCE, "IEEE"),
    ("TC", "IEEE Transactions on Computers", VenueKind.JOURNAL, "IEEE"),
    ("ICML", "International Conference on Machine Learning", VenueKind.CONFERENCE, ""),
    ("NeurIPS", "Conference on Neural Information Processing Systems", VenueKind.CONFERENCE, ""),
    ("login", "USENIX ;login:", VenueKind.OTHER, "USENIX"),
)  # fmt: skip

SYSTEM_PREFIXES = (
    "Fuse", "Hydra", "Nimbus", "Zephyr", "Atlas", "Orca", "Tidal", "Quill", "Helix", "Ember",
    "Lumen", "Vortex", "Cobalt", "Sable", "Pulse", "Rivet", "Kestrel", "Mosaic", "Prism", "Slate",
)  # fmt: skip
SYSTEM_SUFFIXES = (
    "Link", "Flow", "Net", "DB", "Serve", "Train", "Cache", "Sched", "Shard", "Store", "Mesh",
    "Scope", "Guard", "Pipe", "Stream",
)  # fmt: skip
ADJECTIVES = (
    "Efficient", "Scalable", "Fast", "Robust", "Adaptive", "Practical", "Elastic",
    "Fault-Tolerant", "Low-Latency", "Energy-Efficient", "Cost-Effective", "Predictable",
    "Secure", "Decentralized", "Learned",
)  # fmt: skip
SUBJECTS = (
    "GPU Communication", "Congestion Control", "Load Balancing", "Resource Scheduling",
    "Memory Management", "Data Placement", "Gradient Compression", "Packet Processing",
    "Model Serving", "Query Optimization", "Cache Management", "Network Telemetry",
    "Flow Scheduling", "Checkpointing", "Pipeline Parallelism", "Failure Recovery",
)  # fmt: skip
DOMAINS = (
    "Large Model Training", "Datacenter Networks", "Distributed Deep Learning", "Cloud Storage",
    "Edge Computing", "LLM Inference", "Federated Learning", "RDMA Networks",
    "Stream Processing", "Serverless Computing", "Mixture-of-Experts Models",
    "Recommendation Systems", "Multi-Tenant Clusters", "Wide-Area Networks",
)  # fmt: skip
TECHNIQUES = (
    "Programmable Switches", "SmartNICs", "Reinforcement Learning", "Speculative Execution",
    "In-Network Aggregation", "Approximate Computing", "Tensor Compilers", "Graph Partitioning",
)  # fmt: skip
TITLE_TEMPLATES = (
    "{system}: {adjective} {subject} for {domain}",
    "{adjective} {subject} for {domain}",
    "Towards {adjective} {subject} in {domain}",
    "{system}: Accelerating {domain} with {technique}",
    "Rethinking {subject} for {domain}",
    "{system}: {subject} with {technique} at Scale",
    "Understanding {subject} in Production {domain}",
)

PAPER_AWARDS = (
    "Best Paper Award",
    "Distinguished Paper Award",
    "Best Student Paper Award",
    "Community Award",
    "Best Artifact Award",
)
PERSON_AWARDS = (
    "Ph.D. Fellowship",
    "Doctoral Dissertation Award",
    "Early Career Award",
    "Rising Star Award",
    "Outstanding Teaching Assistant Award",
    "Research Excellence Scholarship",
)
DEGREES = (
    ("Ph.D. in Computer Science", 5),
    ("M.Phil. in Computer Science and Engineering", 2),
    ("M.S. in Electrical Engineering", 2),
    ("B.Eng. in Computer Science", 4),
    ("B.S. in Mathematics", 4),
)
JOBS = (
    "Software Engineer",
    "Research Scientist",
    "Assistant Professor",
    "Associate Professor",
    "Staff Engineer",
    "Postdoctoral Researcher",
)
COURSES = (
    "COMP 3511 - Operating Systems",
    "COMP 4621 - Computer Communication Networks",
    "COMP 2012 - Object-Oriented Programming and Data Structures",
)

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


def lab_is_empty() -> bool:
    return not any(model.objects.exists() for model in LAB_MODELS)


def flush_lab() -> None:
    """Delete every people and publications record (users, groups and sessions stay).

    Django's own flush SQL for just these tables (TRUNCATE on PostgreSQL, DELETE on SQLite):
    going through the ORM would load every row and send a signal for each, which for the
    default size takes minutes. No cascade: a table of another app that still points at these
    records makes it fail rather than lose that table's rows.
    """
    tables = [model._meta.db_table for model in LAB_MODELS]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred foreign-key checks still pending (rows
            # written earlier in the same transaction, as in tests): run those checks now.
            connection.check_constraints()
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))
        invalidate_pages()


def _create(model, objects: list) -> list:
    return model.objects.bulk_create(objects, batch_size=BATCH_SIZE)


AUTHORSHIP_FIELDS = [
    "created",
    "modified",
    "paper",
    "person",
    "position",
    "printed_name",
    "equal_contribution",
    "lead",
    "mentee",
    "corresponding",
]


def _insert_rows(model, names: list[str], rows: list[tuple]) -> None:
    """Write rows of plain values (ints, strings, booleans, datetimes) as fast as the backend can.

    For the author rows only: there are six per paper, their ids are never read back, and
    bulk_create spends most of its time preparing each of their 1.2 million values one by one.
    PostgreSQL takes them through COPY; other backends through one prepared INSERT run many
    times (executemany), which on SQLite is a loop in C and has no parameter limit.
    """
    ops = connection.ops
    columns = [ops.quote_name(model._meta.get_field(name).column) for name in names]
    table = ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                rows,
            )


class _Generator:
    def __init__(self, size: LabSize, seed: int):
        self.size = size
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets

    # Institutions --------------------------------------------------------------------------

    def institutions(self) -> None:
        rng, slugs = self.rng, SlugAllocator()
        slugs.taken.add(settings.LAB_INSTITUTION)
        rows = []
        for short, name, _prefix in PUBLISHERS:
            rows.append(
                Institution(
                    name=name, short_name=short, slug=slugs(short), kind=InstitutionKind.PUBLISHER
                )
            )
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
        rng = self.rng
        roles: list[Role] = []
        advisors: list[tuple[int, Person]] = []  # (index into roles, advisor)
        faculty_count = max(1, min(4, self.lab_size // 10))
        faculty = self.persons[:faculty_count]
        titles = ("Professor", "Associate Professor", "Assistant Professor", "Assistant Professor")
        for index, person in enumerate(faculty):
            start = 2002 + 4 * index
            roles.append(
                Role(
                    person=person,
                    kind=RoleKind.POSITION,
                    title=titles[index],
                    institution=self.university,
                    unit="Department of Computer Science and Engineering",
                    start_year=start,
                    start_month=rng.choice((1, 7, 9)),
                )
            )
            roles.append(
                Role(
                    person=person,
                    kind=RoleKind.MEMBERSHIP,
                    title="Director" if index == 0 else "Faculty member",
                    institution=self.lab,
                    start_year=start,
                )
            )
            roles.append(self._degree(person, DEGREES[0], start - 5, rng.choice(self.universities)))
        for position, person in enumerate(self.persons[faculty_count : self.lab_size]):
            current = position % 5 < 2  # two in five are current members, the rest alumni
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
            roles.append(role)
            for advisor in rng.sample(faculty, min(len(faculty), rng.choice((1, 1, 2)))):
                advisors.append((len(roles) - 1, advisor))
            if kind == RoleKind.EDUCATION:
                roles.append(
                    self._degree(person, DEGREES[3], start - 4, rng.choice(self.universities))
                )
                ta_year = min(start + 1, LAST_YEAR)
                roles.append(
                    Role(
                        person=person,
                        kind=RoleKind.TEACHING,
                        title="Teaching Assistant",
                        institution=self.university,
                        unit=rng.choice(COURSES),
                        term=rng.choice((Term.SPRING, Term.FALL)),
                        start_year=ta_year,
                        end_year=ta_year,
                    )
                )
            if not current:
                roles.append(self._job(person, start + years))
        for person in self.persons[self.lab_size :]:
            roll = rng.random()
            if roll < 0.35:
                year = rng.randint(FIRST_YEAR - 10, LAST_YEAR - 5)
                roles.append(
                    self._degree(person, rng.choice(DEGREES), year, rng.choice(self.universities))
                )
                if roll < 0.2:
                    roles.append(self._job(person, year + 5))
            elif roll < 0.6:
                roles.append(self._job(person, rng.randint(FIRST_YEAR, LAST_YEAR)))
        roles = _create(Role, roles)
        through = Role.advisors.through
        _create(
            through,
            [through(role_id=roles[index].pk, person_id=advisor.pk) for index, advisor in advisors],
        )
        self.role_count, self.advisor_count = len(roles), len(advisors)

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
        rng, slugs = self.rng, SlugAllocator()
        prefixes = {self.publishers[short].pk: prefix for short, _name, prefix in PUBLISHERS}
        rows = []
        for index in range(self.size.papers):
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
            rows.append(paper)
        self.paper_rows = _create(Paper, rows)

    def authorships(self) -> None:
        rng, size = self.rng, self.size
        count = size.people
        head_share = min(0.6, HEAD_FACTOR * size.authors_per_paper / count)
        offset = max(1.0, count * ZIPF_OFFSET)
        weights = [1 / (rank + offset) ** ZIPF_EXPONENT for rank in range(1, count)]
        cumulative = list(itertools.accumulate(weights))
        others = range(1, count)
        lab_ranks = self.lab_size
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        rows, awards = [], []
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
            for position, rank in enumerate(ranks, start=1):
                person = self.persons[rank]
                printed_name = ""
                if rng.random() < 0.01:
                    printed_name = f"{person.given_name[0]}. {person.family_name}"
                rows.append(
                    (
                        now,
                        now,
                        paper.pk,
                        person.pk,
                        position,
                        printed_name,
                        equal and position <= 2 and len(ranks) > 1,  # equal contribution
                        position == 1 and rng.random() < 0.05,  # lead
                        position == 1 and senior < lab_ranks and rng.random() < 0.05,  # mentee
                        position == len(ranks) and rng.random() < 0.3,  # corresponding
                    )
                )
            if rng.random() < 0.012:
                for title in rng.sample(PAPER_AWARDS, rng.choice((1, 1, 1, 2))):
                    awards.append(PaperAward(paper=paper, title=title))
        _insert_rows(Authorship, AUTHORSHIP_FIELDS, rows)
        _create(PaperAward, awards)
        self.authorship_count, self.paper_award_count = len(rows), len(awards)

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


def generate_lab(*, size: LabSize | None = None, seed: int = 1) -> dict[str, int]:
    """Write a synthetic lab of ``size`` into an empty database; return the rows per kind.

    Deterministic: the same seed and size give the same records. One transaction.
    """
    size = size or LabSize()
    size.check()
    with transaction.atomic():
        counts = _Generator(size, seed).run()
        invalidate_pages()
    return counts
