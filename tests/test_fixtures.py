"""The seed fixtures: they load, they say what the seed documents say, and nothing is doubled."""

import datetime
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction

from devtools.seed import FIXTURE_MODELS
from people.models import Award, Institution, Person, Role
from people.names import normalize_name
from publications.models import Authorship, Paper, PaperAward, Service, Venue
from publications.services import paper_byline

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seed loaded once for this module's read-only tests, and rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", "lab", verbosity=0)
        yield
        transaction.set_rollback(True)


def byline(slug):
    return paper_byline(Paper.objects.for_list().get(slug=slug))


def test_counts_per_model(seeded):
    counts = {model.__name__: model.objects.count() for model in FIXTURE_MODELS}

    assert counts == {
        "Institution": 25,
        "Person": 162,
        "Venue": 28,
        "Keyword": 0,  # the seed documents tag no paper; none are made up
        "Paper": 52,
        "Authorship": 361,
        "PaperAward": 2,
        "Role": 30,
        "Award": 20,
        "Service": 17,
    }


def test_papers_per_profiled_researcher(seeded):
    counts = {
        slug: Paper.objects.by(Person.objects.get(slug=slug)).count()
        for slug in ("qinghao-hu", "hao-wang", "kaiqiang-xu", "xudong-liao")
    }

    assert counts == {"qinghao-hu": 27, "hao-wang": 13, "kaiqiang-xu": 6, "xudong-liao": 13}
    qinghao = Person.objects.get(slug="qinghao-hu")
    assert Paper.objects.by(qinghao).preprints().count() == 9


def test_bylines_keep_order_and_marks_as_printed(seeded):
    assert byline("lucid-2023") == (
        "Qinghao Hu*; Meng Zhang*; Peng Sun; Yonggang Wen; Tianwei Zhang"
    )
    assert byline("longvila-2025").startswith(
        "Yukang Chen*; Fuzhao Xue*; Dacheng Li*; Qinghao Hu*†; Ligeng Zhu; Xiuyu Li"
    )
    assert byline("torchgt-2024") == (
        "Meng Zhang‡; Jie Sun*; Qinghao Hu; Peng Sun; Zeke Wang; Yonggang Wen; Tianwei Zhang"
    )
    assert byline("semantic-aware-scheduling-preprint").startswith(
        "Zerui Wang*‡; Qinghao Hu*; Ana Klimovic"
    )
    assert byline("green-2025") == "Kaiqiang Xu; Decang Sun; Han Tian; Junxue Zhang; Kai Chen"


def test_papers_in_several_documents_are_one_record(seeded):
    fuselink = Paper.objects.get(slug="fuselink-2025")
    positions = dict(fuselink.authorships.values_list("person__slug", "position"))
    assert fuselink.authorships.count() == 16
    assert (positions["kaiqiang-xu"], positions["xudong-liao"], positions["kai-chen"]) == (
        6,
        7,
        16,
    )
    campus = Paper.objects.get(slug="campus-ml-clusters-2025")
    assert campus.venue.short_name == "ASPLOS"
    assert list(campus.authorships.values_list("person__slug", flat=True)[:4]) == [
        "kaiqiang-xu",
        "decang-sun",
        "hao-wang",
        "zhenghang-ren",
    ]
    assert Paper.objects.filter(title__icontains="FuseLink").count() == 1
    assert byline("herald-2024") == (
        "Chaoliang Zeng; Xudong Liao; Xiaodian Cheng; Han Tian; Xinchen Wan; Hao Wang; Kai Chen"
    )


def test_people_in_several_documents_are_one_record(seeded):
    kai = Person.objects.get(slug="kai-chen")

    advisees = set(Role.objects.filter(advisors=kai).values_list("person__slug", flat=True))
    assert {"kaiqiang-xu", "xudong-liao", "hao-wang"} <= advisees
    assert Paper.objects.by(kai).count() >= 10
    assert Person.objects.filter(name="Xinchen Wan").count() == 1


def test_no_two_records_normalise_to_the_same_name(seeded):
    for model in (Person, Venue, Institution):
        names = Counter(
            normalize_name(name) for name in model.objects.values_list("name", flat=True)
        )
        doubled = [name for name, count in names.items() if count > 1]
        assert doubled == [], model.__name__


def test_roles_keep_partial_dates_advisors_and_disagreements(seeded):
    hao_phd = Role.objects.get(person__slug="hao-wang", kind="education", institution__slug="hkust")
    assert (hao_phd.start_year, hao_phd.start_month, hao_phd.end_year) == (2019, 8, None)
    assert hao_phd.dates == "Aug 2019 – present"
    assert list(hao_phd.advisors.values_list("slug", flat=True)) == ["kai-chen"]

    kq_phd = Role.objects.get(
        person__slug="kaiqiang-xu", kind="education", institution__slug="hkust"
    )
    assert (kq_phd.start_year, kq_phd.end_year, kq_phd.end_month) == (2020, 2025, 8)
    assert kq_phd.thesis_title == (
        "Towards Efficient and Accessible Systems for Distributed Machine Learning"
    )

    vincross = Role.objects.get(person__slug="kaiqiang-xu", institution__slug="vincross")
    assert (vincross.start_year, vincross.start_month, vincross.end_year, vincross.end_month) == (
        2016,
        5,
        2019,
        12,
    )
    assert "2016-2020" in vincross.note

    ta = Role.objects.filter(person__slug="hao-wang", kind="teaching")
    assert sorted(r.dates for r in ta) == ["Fall 2021", "Fall 2022", "Spring 2020", "Spring 2021"]

    assert Institution.objects.get(slug="ising-lab").parent.slug == "hkust"
    assert Institution.objects.get(slug="eth-system-group").parent.name == "ETH Zürich"


def test_awards_service_and_notes(seeded):
    assert list(
        PaperAward.objects.filter(paper__slug="lucid-2023").values_list("title", flat=True)
    ) == ["Distinguished Paper Award"]
    assert not Award.objects.filter(
        person__slug="qinghao-hu", title__icontains="Distinguished"
    ).exists()
    fellowship = Award.objects.get(person__slug="qinghao-hu", title="Google Ph.D. Fellowship")
    assert (fellowship.year, fellowship.issuer.slug) == (2023, "google")
    assert "Singapore" in fellowship.description

    elvm = Service.objects.get(person__slug="qinghao-hu", venue__slug="cvpr", kind="organizer")
    assert (elvm.kind, elvm.start_year, elvm.note) == (
        "organizer",
        2025,
        "Efficient Large Vision Models Workshop (ELVM)",
    )
    web_chair = Service.objects.get(person__slug="hao-wang", kind="web_chair")
    assert (web_chair.venue.slug, web_chair.start_year, web_chair.end_year) == ("apnet", 2021, 2024)

    assert Paper.objects.get(slug="llm-development-characterization-2024").note.startswith(
        "Invited Submission to USENIX ;login:"
    )


def test_unicode_kept_and_noise_fixed(seeded):
    assert Person.objects.filter(name="Ixeia Sánchez Pérez").exists()
    assert "μs-level" in Paper.objects.get(slug="pallas-2025").title
    bios_and_titles = " ".join(
        [
            *Person.objects.values_list("bio", flat=True),
            *Paper.objects.values_list("title", flat=True),
            *Role.objects.values_list("description", flat=True),
        ]
    )
    for noise in ("<i>", "</i>", "<u>", "Specturm", "serveral", " Al ", "[‡]", "^{"):
        assert noise not in bios_and_titles


def test_incomplete_bylines_and_printed_names(seeded):
    mfs = Paper.objects.get(slug="mfs-2026")
    assert (mfs.venue.slug, mfs.year, mfs.status, mfs.authors_complete) == (
        "eurosys",
        2026,
        "accepted",
        False,
    )
    assert "NSDI 2025" in mfs.curator_note
    assert mfs.note == ""  # a provenance remark, not a public note
    gnn = Paper.objects.get(slug="full-graph-gnn-2023")
    assert (gnn.authors_complete, byline("full-graph-gnn-2023")) == (False, "Kaiqiang Xu*")

    xiong = Authorship.objects.get(paper__slug="loongtrain-preprint", person__slug="yingtong-xiong")
    assert xiong.printed_name == "Yingdong Xiong"
    assert Paper.objects.get(slug="loongtrain-preprint").year is None


def test_private_facts_are_in_private_fields(seeded):
    hao = Person.objects.get(slug="hao-wang")

    assert (hao.phone, hao.birth_date) == ("+852 68758509", datetime.date(1996, 11, 14))
    assert "68758509" not in hao.bio
