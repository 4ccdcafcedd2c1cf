"""The BibTeX corpus: files written the way each source writes them (tests/data/bibtex/<source>/),
each imported through ``bibtex_import`` into a lab that already has a few venues, and the rows
that exist afterwards compared exactly: papers with every field the import sets, ordered bylines
with printed names and marks, awards, keywords, and the venues (so that two spellings of one
venue becoming two venues fails).

``paper_rows`` lists, for each paper, only the fields that are not empty: a field the import
fills without the expectation naming it fails the comparison as surely as a wrong value.
"""

from pathlib import Path

import pytest

from people.enums import InstitutionKind
from publications.bibtex_import import bibtex_import, bibtex_plan
from publications.byline import MARKS
from publications.enums import PaperStatus, VenueKind
from publications.models import Paper, Venue
from tests.factories import InstitutionFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).resolve().parent.parent / "data" / "bibtex"
PUBLISHED, PREPRINT = PaperStatus.PUBLISHED, PaperStatus.PREPRINT
CONFERENCE, JOURNAL, PREPRINT_SERVER = VenueKind.CONFERENCE, VenueKind.JOURNAL, VenueKind.PREPRINT
OTHER = VenueKind.OTHER

#: The venues the lab has before any import: (slug, name, short name, kind).
KNOWN_VENUES = [
    (
        "cikm",
        "ACM International Conference on Information and Knowledge Management",
        "CIKM",
        CONFERENCE,
    ),
    ("msr", "International Conference on Mining Software Repositories", "MSR", CONFERENCE),
    ("pvldb", "Proceedings of the VLDB Endowment", "PVLDB", JOURNAL),
    ("nsdi", "USENIX Symposium on Networked Systems Design and Implementation", "NSDI", CONFERENCE),
    ("arxiv", "arXiv", "arXiv", PREPRINT_SERVER),
]
#: Paper fields compared, besides title, year and status (always), venue and byline.
FIELDS = (
    *("month", "doi", "arxiv_id", "url", "pdf_url", "code_url", "slides_url", "poster_url"),
    *("video_url", "website_url", "abstract", "note", "volume", "number", "pages"),
    *("article_number", "publisher", "series", "isbn", "issn", "event_place", "event_dates"),
    *("google_scholar_id", "selected"),
)


@pytest.fixture
def lab(db):
    acm = InstitutionFactory(
        name="Association for Computing Machinery",
        short_name="ACM",
        slug="acm",
        kind=InstitutionKind.PUBLISHER,
        country="US",
    )
    vldb = InstitutionFactory(
        name="VLDB Endowment",
        short_name="VLDB",
        slug="vldb-endowment",
        kind=InstitutionKind.PUBLISHER,
        country="US",
    )
    publishers = {"cikm": acm, "pvldb": vldb}
    for slug, name, short_name, kind in KNOWN_VENUES:
        VenueFactory(
            slug=slug, name=name, short_name=short_name, kind=kind, publisher=publishers.get(slug)
        )
    return UserFactory(username="curator", is_superuser=True, is_staff=True)


def import_file(path: Path, user):
    result = bibtex_import(text=path.read_text(encoding="utf-8"), user=user)
    assert result.skipped == []
    return result


def marks(authorship) -> str:
    return "".join(sign for sign, flag in MARKS.items() if getattr(authorship, flag))


def paper_rows() -> list[dict]:
    papers = Paper.objects.select_related("venue").prefetch_related(
        "authorships__person", "awards", "keywords"
    )
    rows = []
    for paper in papers.order_by("pk"):
        row = {
            "title": paper.title,
            "year": paper.year,
            "status": paper.status,
            "venue": paper.venue.slug if paper.venue else None,
            "authors": [
                (a.person.name, a.printed_name, marks(a))
                for a in sorted(paper.authorships.all(), key=lambda a: a.position)
            ],
        }
        row.update({name: getattr(paper, name) for name in FIELDS if getattr(paper, name)})
        if not paper.authors_complete:
            row["authors_complete"] = False
        if paper.awards.all():
            row["awards"] = [award.title for award in paper.awards.all()]
        if paper.keywords.all():
            row["keywords"] = sorted(keyword.name for keyword in paper.keywords.all())
        rows.append(row)
    return rows


def new_venues() -> list[tuple[str, str, str]]:
    known = [slug for slug, *_ in KNOWN_VENUES]
    return [
        (v.name, v.short_name, v.kind) for v in Venue.objects.exclude(slug__in=known).order_by("pk")
    ]


def authors(*names: str) -> list[tuple[str, str, str]]:
    """("Qinghao Hu*", "Meng Zhang") -> [("Qinghao Hu", "", "*"), ("Meng Zhang", "", "")]."""
    found = []
    for name in names:
        bare = name.rstrip("".join(MARKS))
        found.append((bare, "", name[len(bare) :]))
    return found


# --- al-folio -----------------------------------------------------------------------------------


def test_al_folio_papers_bib(lab):
    import_file(CORPUS / "alfolio" / "papers.bib", lab)

    assert paper_rows() == [
        {
            "title": "Characterization of Large Language Model Development in the Datacenter",
            "year": 2024,
            "month": 4,
            "status": PUBLISHED,
            "venue": "nsdi",
            "authors": authors(
                "Qinghao Hu*",
                "Zhisheng Ye*",
                "Zerui Wang*",
                "Guoteng Wang",
                "Meng Zhang",
                "Peng Sun",
                "Tianwei Zhang",
            ),
            "pages": "709–729",
            "publisher": "USENIX Association",
            "url": "https://www.usenix.org/conference/nsdi24/presentation/hu",
            "pdf_url": "hu2024characterization.pdf",
            "code_url": "https://github.com/InternLM/AcmeTrace",
            "note": "Invited Submission to USENIX ;login:",
            "google_scholar_id": "u5HHmVD_uO8C",
            "selected": True,
        },
        {
            "title": "Lucid: A Non-Intrusive, Scalable and Interpretable Scheduler for Deep "
            "Learning Training Jobs",
            "year": 2023,
            "status": PUBLISHED,
            "venue": "asplos",
            "authors": authors(
                "Qinghao Hu*", "Meng Zhang*", "Peng Sun", "Yonggang Wen", "Tianwei Zhang"
            ),
            "doi": "10.1145/3575693.3575705",
            "volume": "2",
            "pages": "457–472",
            "selected": True,
            "awards": ["Distinguished Paper Award"],
        },
        {
            "title": "TorchGT: A Holistic System for Large-scale Graph Transformer Training",
            "year": 2024,
            "status": PUBLISHED,
            "venue": "sc",
            "authors": authors(
                "Meng Zhang‡",
                "Jie Sun*",
                "Qinghao Hu",
                "Peng Sun",
                "Zeke Wang",
                "Yonggang Wen",
                "Tianwei Zhang",
            ),
            "pdf_url": "https://arxiv.org/pdf/2407.14106",
        },
        {
            "title": "Graph Neural Networks for Friend Ranking in Large-scale Social Platforms",
            "year": 2020,
            "status": PUBLISHED,
            "venue": "cikm",
            "authors": authors("Yu Chen", "Ce Pang"),
            "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
        {
            "title": "Taming the Long-Tail: Efficient Reasoning RL Training with Adaptive Drafter",
            "year": 2025,
            "status": PREPRINT,
            "venue": "arxiv",
            "authors": authors("Qinghao Hu*", "Shang Yang*", "Junxian Guo", "Song Han"),
            "arxiv_id": "2511.16665",
            "website_url": "https://hanlab.mit.edu/projects/tlt",
        },
        {
            "title": "Sylvie: 3D-adaptive and Universal System for Large-scale Graph Neural "
            "Network Training",
            "year": 2024,
            "status": PUBLISHED,
            "venue": "icde",
            "authors": authors(
                "Meng Zhang‡",
                "Qinghao Hu",
                "Cheng Wan",
                "Haozhao Wang",
                "Peng Sun",
                "Yonggang Wen",
                "Tianwei Zhang",
            ),
            "doi": "10.1109/ICDE60146.2024.00292",
            "url": "https://ieeexplore.ieee.org/document/10597768",
            "pdf_url": "zhang2024sylvie.pdf",
        },
        {
            # Marks as LaTeX: \textsuperscript{*}, $^*$, ^{*}, \dag.
            "title": "Lins: Reducing Communication Overhead of ZeRO for Efficient LLM Training",
            "year": 2024,
            "status": PUBLISHED,
            "venue": "iwqos",
            "authors": authors("Qiaoling Chen*", "Qinghao Hu*", "Guoteng Wang*", "Peng Sun†"),
            "pages": "1–10",
            "publisher": "IEEE",
        },
    ]
    assert new_venues() == [
        (
            "ACM International Conference on Architectural Support for Programming Languages "
            "and Operating Systems",
            "ASPLOS",
            CONFERENCE,
        ),
        (
            "International Conference for High Performance Computing, Networking, Storage and "
            "Analysis",
            "SC",
            CONFERENCE,
        ),
        ("IEEE International Conference on Data Engineering", "ICDE", CONFERENCE),
        ("IEEE/ACM International Symposium on Quality of Service", "IWQoS", CONFERENCE),
    ]


def test_al_folio_fields_not_kept_are_named_in_the_preview(lab):
    plan = bibtex_plan((CORPUS / "alfolio" / "papers.bib").read_text(encoding="utf-8"))

    not_kept = {
        entry.key: sorted((item.field, item.kind) for item in entry.not_kept)
        for entry in plan.entries
    }
    assert not_kept == {
        "hu2024characterization": [
            ("bibtex_show", "ignored"),
            ("dimensions", "ignored"),
            ("preview", "ignored"),
        ],
        "hu2023lucid": [("award_name", "value"), ("bibtex_show", "ignored"), ("slides", "value")],
        "zhang2024torchgt": [("annotation", "ignored")],
        "chen2020cikm": [("poster", "value")],
        "hu2025taming": [],
        "zhang2024sylvie": [],
        "chen2024lins": [("bibtex_show", "ignored")],
    }


# --- Hugo Blox ----------------------------------------------------------------------------------


def test_hugo_blox_cite_bib_files(lab):
    for folder in ("hydro-osdi23", "deep-learning-scheduling-survey", "load-balancing-rl"):
        import_file(CORPUS / "hugoblox" / folder / "cite.bib", lab)

    assert paper_rows() == [
        {
            "title": "Hydro: Surrogate-Based Hyperparameter Tuning Service in Datacenters",
            "year": 2023,
            "status": PUBLISHED,
            "venue": "osdi",
            "authors": authors(
                "Qinghao Hu",
                "Zhisheng Ye",
                "Meng Zhang",
                "Qiaoling Chen",
                "Peng Sun",
                "Yonggang Wen",
                "Tianwei Zhang",
            ),
            "pages": "757–777",
        },
        {
            "title": "Deep Learning Workload Scheduling in GPU Datacenters: A Survey",
            "year": 2024,
            "status": PUBLISHED,
            "venue": "acm-computing-surveys",
            "authors": authors(
                "Zhisheng Ye",
                "Wei Gao",
                "Qinghao Hu",
                "Peng Sun",
                "Xiaolin Wang",
                "Yingwei Luo",
                "Tianwei Zhang",
                "Yonggang Wen",
            ),
            "volume": "56",
            "number": "6",
            "pages": "1–38",
            "publisher": "ACM New York, NY",
        },
        {
            # The site's owner in bold, the venue "Submitted to ...", the status in the note.
            "title": "Universal and Efficient Load Balancing for RL Training of Large "
            "Multimodal Models",
            "year": 2026,
            "status": PaperStatus.UNDER_REVIEW,
            "venue": "nsdi",
            "authors": authors(
                "Zerui Wang", "Qinghao Hu", "Jiecheng Zhou", "Peng Sun", "Dahua Lin"
            ),
        },
    ]
    assert new_venues() == [
        ("USENIX Symposium on Operating Systems Design and Implementation", "OSDI", CONFERENCE),
        ("ACM Computing Surveys", "", JOURNAL),
    ]


def test_hugo_blox_bold_name_is_split_as_a_name(lab):
    text = (CORPUS / "hugoblox" / "load-balancing-rl" / "cite.bib").read_text(encoding="utf-8")

    [entry] = bibtex_plan(text).entries

    assert entry.author_parts["Qinghao Hu"] == ("Qinghao", "Hu")
    assert [new.family_name for new in bibtex_plan(text).new_people.values()] == [
        "Wang",
        "Hu",
        "Zhou",
        "Sun",
        "Lin",
    ]


# --- Zotero (Better BibLaTeX) -------------------------------------------------------------------


def test_zotero_better_biblatex(lab):
    import_file(CORPUS / "zotero" / "library.bib", lab)

    assert paper_rows() == [
        {
            "title": "Understanding the Cost of Disaggregated Serving in Large Language Models",
            "year": 2024,
            "month": 7,
            "status": PUBLISHED,
            "venue": "pvldb",
            "authors": authors("Kaiqiang Xu", "Xudong Liao", "Kai Chen"),
            "doi": "10.14778/3681954.3682002",
            "url": "https://dl.acm.org/doi/10.14778/3681954.3682002",
            "abstract": "We measure where the time goes when prefill and decode run apart.",
            "volume": "17",
            "number": "11",
            "pages": "3304–3317",
            "issn": "2150-8097",
            "keywords": ["Distributed systems", "Large language models"],
        },
        {
            "title": "Characterization of Large Language Model Development in the Datacenter",
            "year": 2024,
            "month": 4,
            "status": PUBLISHED,
            "venue": "nsdi",
            "authors": authors("Qinghao Hu", "Zhisheng Ye", "Zerui Wang"),
            "arxiv_id": "2403.07648",
            "url": "https://www.usenix.org/conference/nsdi24/presentation/hu",
            "pages": "709–729",
            "publisher": "USENIX Association",
            "isbn": "978-1-939133-39-7",
            "event_place": "Santa Clara, CA",
        },
        {
            "title": "Another Fine Preprint on Elastic Training",
            "year": 2025,
            "month": 2,
            "status": PREPRINT,
            "venue": "arxiv",
            "authors": authors("Yu Chen", "Ixeia Sánchez Pérez"),
            "arxiv_id": "2502.05678",
            "url": "http://arxiv.org/abs/2502.05678",
            "abstract": "An abstract with 95% of the words.",
            "keywords": ["Computer Science - Machine Learning"],
        },
        {
            "title": "A Dataset of Network Traces",
            "year": 2023,
            "month": 11,
            "status": PUBLISHED,
            "venue": "hong-kong-university-of-science-and-technology",
            "authors": authors("Xudong Liao", "Kaiqiang Xu"),
            "url": "https://hal.science/hal-04299241",
        },
        {
            # A bioRxiv preprint: its eprint is a link (the URL), not an arXiv id.
            "title": "Universal and Efficient Load Balancing for RL Training of Large "
            "Multimodal Models",
            "year": 2025,
            "month": 10,
            "status": PREPRINT,
            "venue": None,
            "authors": authors("Zerui Wang", "Qinghao Hu"),
            "url": "https://www.biorxiv.org/content/10.1101/2025.10.01.123456v1",
            "number": "2025.10.01.123456",
            "publisher": "bioRxiv",
        },
    ]
    assert new_venues() == [("Hong Kong University of Science and Technology", "", OTHER)]


# --- Google Scholar -----------------------------------------------------------------------------


def test_google_scholar_export(lab):
    import_file(CORPUS / "scholar" / "citations.bib", lab)

    assert paper_rows() == [
        {
            "title": "Characterization and prediction of deep learning workloads in large-scale "
            "gpu datacenters",
            "year": 2021,
            "status": PUBLISHED,
            "venue": "international-conference-for-high-performance-computing-networking-"
            "storage-and-a",
            "authors": authors(
                "Qinghao Hu", "Peng Sun", "Shengen Yan", "Yonggang Wen", "Tianwei Zhang"
            ),
            "pages": "1–15",
        },
        {
            "title": "Characterization of large language model development in the datacenter",
            "year": 2024,
            "status": PREPRINT,
            "venue": "arxiv",
            "authors": authors(
                "Qinghao Hu",
                "Zhisheng Ye",
                "Zerui Wang",
                "Guoteng Wang",
                "Meng Zhang",
                "Qiaoling Chen",
                "Peng Sun",
                "Dahua Lin",
                "Xiaolin Wang",
                "Yingwei Luo",
            ),
            "authors_complete": False,
            "arxiv_id": "2403.07648",
        },
        {
            "title": "Primo: Practical Learning-Augmented Systems with Interpretable Models",
            "year": 2022,
            "status": PUBLISHED,
            "venue": "usenix-atc",
            "authors": authors(
                "Qinghao Hu", "Harsha Nori", "Peng Sun", "Yonggang Wen", "Tianwei Zhang"
            ),
            "pages": "519–538",
        },
        {
            "title": "Understanding the cost of disaggregated serving in large language models",
            "year": 2024,
            "status": PUBLISHED,
            "venue": "pvldb",
            "authors": authors("Kaiqiang Xu", "Xudong Liao", "Kai Chen"),
            "volume": "17",
            "number": "11",
            "pages": "3304–3317",
        },
    ]
    assert new_venues() == [
        (
            "International Conference for High Performance Computing, Networking, Storage and "
            "Analysis",
            "",
            CONFERENCE,
        ),
        ("USENIX Annual Technical Conference", "USENIX ATC", CONFERENCE),
    ]


# --- DBLP ---------------------------------------------------------------------------------------


def test_dblp_export(lab):
    import_file(CORPUS / "dblp" / "dblp.bib", lab)

    assert paper_rows() == [
        {
            "title": "On the Anatomy of Real-World R Code for Static Analysis",
            "year": 2024,
            "status": PUBLISHED,
            "venue": "msr",
            "authors": authors(
                "Florian Sihler",
                "Lukas Pietzschmann",
                "Raphael Straub",
                "Matthias Tichy",
                "Andor Diera",
                "Abdelhalim Dahou",
            ),
            "doi": "10.1145/3643991.3644911",
            "pages": "619–630",
            "publisher": "ACM",
            "event_place": "Lisbon, Portugal",
            "event_dates": "April 15-16, 2024",
        },
        {
            "title": "Understanding the Cost of Disaggregated Serving in Large Language Models",
            "year": 2024,
            "status": PUBLISHED,
            "venue": "pvldb",
            "authors": authors("Kaiqiang Xu", "Xudong Liao", "Kai Chen"),
            "doi": "10.14778/3681954.3682002",
            "url": "https://www.vldb.org/pvldb/vol17/p3304-xu.pdf",
            "volume": "17",
            "number": "11",
            "pages": "3304–3317",
        },
        {
            "title": "Another Fine Preprint on Elastic Training",
            "year": 2025,
            "status": PREPRINT,
            "venue": "arxiv",
            "authors": authors("Yu Chen", "Ixeia Sánchez Pérez"),
            "doi": "10.48550/ARXIV.2502.05678",
            "arxiv_id": "2502.05678",
        },
        {
            "title": "Graph Neural Networks for Friend Ranking in Large-scale Social Platforms",
            "year": 2020,
            "status": PUBLISHED,
            "venue": "cikm",
            "authors": authors("Yu Chen", "Ce Pang"),
            "doi": "10.1145/3340531.3412012",
            "pages": "2535–2546",
            "event_place": "Virtual Event, Ireland",
            "event_dates": "October 19-23, 2020",
        },
        {
            # DBLP's export with crossref: the @proceedings lends its publisher and ISBN.
            "title": "Constructing a Static Program Slicer for R Programs",
            "year": 2024,
            "status": PUBLISHED,
            "venue": "msr",
            "authors": authors("Florian Sihler"),
            "pages": "1–2",
            "publisher": "ACM",
            "isbn": "979-8-4007-0587-8",
        },
    ]
    assert new_venues() == []


def test_dblp_crossref_proceedings_is_not_a_paper(lab):
    plan = bibtex_plan((CORPUS / "dblp" / "dblp.bib").read_text(encoding="utf-8"))

    assert plan.references == ["DBLP:conf/msr/2024"]
    assert [entry.key for entry in plan.entries][-1] == "DBLP:conf/msr/Sihler24"


# --- IEEE Xplore --------------------------------------------------------------------------------


def test_ieee_xplore_export(lab):
    import_file(CORPUS / "ieee" / "ieee.bib", lab)

    assert paper_rows() == [
        {
            "title": "On the k-Coverage of Sensor Networks With O(n log n) Messages",
            "year": 2021,
            "month": 8,
            "status": PUBLISHED,
            "venue": "ieee-transactions-on-parallel-and-distributed-systems",
            "authors": authors("Chao Qiu", "Peng Sun", "Kai Chen"),
            "doi": "10.1109/TPDS.2021.3059341",
            "abstract": "We study k-coverage when nodes fail. Experiments on 10⁶ nodes confirm "
            "the bound.",
            "volume": "32",
            "number": "8",
            "pages": "1986–1999",
            "issn": "1558-2183",
            "keywords": ["Optimization", "Sensors", "Wireless sensor networks"],
        },
        {
            "title": "Low-Power Links for Dense Sensor Deployments",
            "year": 2020,
            "month": 4,
            "status": PUBLISHED,
            "venue": "ipsn",
            "authors": authors("Xudong Liao", "Kaiqiang Xu", "Kai Chen"),
            "doi": "10.1109/IPSN48710.2020.00-39",
            "pages": "145–156",
            "keywords": ["Power demand", "Wireless sensor networks"],
        },
    ]
    assert new_venues() == [
        ("IEEE Transactions on Parallel and Distributed Systems", "", JOURNAL),
        (
            "ACM/IEEE International Conference on Information Processing in Sensor Networks",
            "IPSN",
            CONFERENCE,
        ),
    ]


# --- ACM Digital Library ------------------------------------------------------------------------


def test_acm_dl_export(lab):
    import_file(CORPUS / "acm" / "acm.bib", lab)

    assert paper_rows() == [
        {
            "title": "Graph Neural Networks for Friend Ranking in Large-scale Social Platforms",
            "year": 2020,
            "status": PUBLISHED,
            "venue": "cikm",
            "authors": authors("Yu Chen", "Ce Pang"),
            "doi": "10.1145/3340531.3412012",
            "abstract": "Friend ranking at scale, at 1% of the cost.",
            "pages": "2535–2546",
            "isbn": "9781450368599",
            "event_place": "Virtual Event, Ireland",
            "keywords": ["friend ranking", "graph neural networks"],
        },
        {
            "title": "Understanding the Cost of Disaggregated Serving in Large Language Models",
            "year": 2024,
            "month": 7,
            "status": PUBLISHED,
            "venue": "pvldb",
            "authors": authors("Kaiqiang Xu", "Xudong Liao", "Kai Chen"),
            "doi": "10.14778/3681954.3682002",
            "volume": "17",
            "number": "11",
            "pages": "3304–3317",
            "issn": "2150-8097",
        },
        {
            "title": "Lucid: A Non-intrusive, Scalable and Interpretable Scheduler for Deep "
            "Learning Training Jobs",
            "year": 2023,
            "status": PUBLISHED,
            "venue": "asplos",
            "authors": authors(
                "Qinghao Hu", "Meng Zhang", "Peng Sun", "Yonggang Wen", "Tianwei Zhang"
            ),
            "doi": "10.1145/3575693.3575705",
            "volume": "2",
            "pages": "457–472",
            # A venue new to the lab has no publisher yet: the paper keeps the file's.
            "publisher": "Association for Computing Machinery",
            "isbn": "9781450399166",
            "event_place": "Vancouver, BC, Canada",
            "keywords": ["cluster management", "machine learning", "workload analysis"],
        },
        {
            # A PACM journal: "Proc." is no conference; articleno is the article number.
            "title": "Congestion Control for Disaggregated Memory",
            "year": 2023,
            "month": 12,
            "status": PUBLISHED,
            "venue": "proc-acm-manag-data",
            "authors": authors("Xudong Liao", "Kai Chen"),
            "doi": "10.1145/3626781",
            "volume": "1",
            "number": "4",
            "article_number": "245",
            "publisher": "Association for Computing Machinery",
            "keywords": ["congestion control", "disaggregated memory"],
        },
    ]
    assert new_venues() == [
        (
            "ACM International Conference on Architectural Support for Programming Languages "
            "and Operating Systems",
            "ASPLOS",
            CONFERENCE,
        ),
        ("Proc. ACM Manag. Data", "", JOURNAL),
    ]


def test_three_spellings_of_cikm_are_one_venue(lab):
    """al-folio's abbr, DBLP's booktitle and the ACM DL's series all find the CIKM here."""
    for path in ("alfolio/papers.bib", "dblp/dblp.bib", "acm/acm.bib"):
        text = (CORPUS / path).read_text(encoding="utf-8")
        [entry] = [e for e in bibtex_plan(text).entries if "Friend Ranking" in e.title]
        assert entry.venue is not None and entry.venue.slug == "cikm", path
