"""The one write path of a paper's keywords: names matched to keywords (created when new) and
the papers' links set, in bulk, for spreadsheet and workbook imports, the BibTeX, RIS and
CSL-JSON importers and the synthetic lab.

A keyword is matched by its name whatever the case and spacing ("Machine  learning" is the
keyword "machine learning"); a name nobody has becomes a new keyword, named as first written,
with a slug of its own. Names never hold "," or ";" (Keyword.Meta): the callers split cells and
fields on them.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence

from django.db import transaction

from lab.core.cache import invalidate_pages
from lab.core.history import record_versions, recorded_write, versions_in_context
from lab.core.slugs import SlugAllocator
from publications.models import KEYWORD_SEPARATORS, Keyword, Paper

NAME_LENGTH = Keyword._meta.get_field("name").max_length
SLUG_LENGTH = Keyword._meta.get_field("slug").max_length


class KeywordError(ValueError):
    """A keyword name that cannot be stored; the message names it."""


def keyword_name(text: str) -> str:
    """A name as stored: surrounding and repeated spaces dropped."""
    return " ".join(str(text).split())


def keyword_key(text: str) -> str:
    """What two names that are one keyword share: ``Machine  Learning`` -> ``machine learning``."""
    return keyword_name(text).lower()


def split_keywords(text: str) -> list[str]:
    """The names of a cell or field, split on ";" and ",", blanks and repeats (whatever the
    case) dropped, in their order: ``"GPU; machine learning, gpu"`` -> ``["GPU", "machine
    learning"]``."""
    text = str(text or "")
    for separator in KEYWORD_SEPARATORS[1:]:
        text = text.replace(separator, KEYWORD_SEPARATORS[0])
    names, seen = [], set()
    for part in text.split(KEYWORD_SEPARATORS[0]):
        name = keyword_name(part)
        if name and keyword_key(name) not in seen:
            seen.add(keyword_key(name))
            names.append(name)
    return names


def check_keyword_name(name: str) -> None:
    """KeywordError unless ``name`` can be stored as a keyword."""
    if not name:
        raise KeywordError("A keyword cannot be empty.")
    if len(name) > NAME_LENGTH:
        raise KeywordError(f"The keyword “{name[:40]}…” is longer than {NAME_LENGTH} characters.")
    found = [sign for sign in KEYWORD_SEPARATORS if sign in name]
    if found:
        raise KeywordError(
            f"The keyword “{name}” contains “{found[0]}”, which separates keywords: make it two."
        )


class KeywordIndex:
    """Every keyword by its key, read in one query (a lab has hundreds, not millions), so an
    import of any size matches names without a query per name."""

    def __init__(self):
        self.by_key = {keyword_key(k.name): k for k in Keyword.objects.only("name", "slug")}
        self.slugs = SlugAllocator((k.slug for k in self.by_key.values()), max_length=SLUG_LENGTH)

    def find(self, name: str) -> Keyword | None:
        return self.by_key.get(keyword_key(name))

    def resolve(self, names: Iterable[str], *, created: list[Keyword]) -> list[Keyword]:
        """The keywords of ``names``, in order; names nobody has become new keywords (not yet
        saved: appended to ``created``, which ``save_new`` writes)."""
        keywords = []
        for text in names:
            name = keyword_name(text)
            check_keyword_name(name)
            keyword = self.find(name)
            if keyword is None:
                keyword = Keyword(name=name, slug=self.slugs(name))
                self.by_key[keyword_key(name)] = keyword
                created.append(keyword)
            if keyword not in keywords:
                keywords.append(keyword)
        return keywords

    @staticmethod
    def save_new(created: list[Keyword]) -> None:
        """Insert the new keywords in one statement, with their first versions."""
        if created:
            Keyword.objects.bulk_create(created, batch_size=1000)
            record_versions(Keyword, created, "+", links=False)


@transaction.atomic
@recorded_write
def papers_set_keywords(
    *,
    keywords: Mapping[Paper, Sequence[str]],
    new: Collection[int] = (),
    versions: bool = True,
) -> set[int]:
    """Make each paper's keywords the names given (matched whatever the case, new ones
    created); returns the pks of the papers whose keywords changed.

    A fixed number of queries whatever the number of papers: every keyword read once, the new
    ones inserted at once, the papers' links read, deleted and inserted at once. The papers'
    versions record their keywords, so they are written after the links: with ``versions``,
    here, for the changed papers that are not ``new`` and have no version in the current
    ``recorded`` block yet; a caller that records the versions itself (an import, after its
    rows) passes ``versions=False`` and records them after this. KeywordError (nothing
    written) for a name that cannot be stored."""
    index, created = KeywordIndex(), []
    chosen = {paper: index.resolve(names, created=created) for paper, names in keywords.items()}
    index.save_new(created)
    wanted = {paper: [keyword.pk for keyword in found] for paper, found in chosen.items()}
    through = Paper.keywords.through
    papers = [paper for paper in wanted if paper.pk not in new]
    current: dict[int, dict[int, int]] = {}
    if papers:
        rows = through.objects.filter(paper_id__in=[p.pk for p in papers])
        for pk, paper_id, keyword_id in rows.values_list("pk", "paper_id", "keyword_id"):
            current.setdefault(paper_id, {})[keyword_id] = pk
    removed, added, changed = [], [], set()
    for paper, keyword_ids in wanted.items():
        have = current.get(paper.pk, {})
        gone = [pk for keyword_id, pk in have.items() if keyword_id not in keyword_ids]
        fresh = [keyword_id for keyword_id in keyword_ids if keyword_id not in have]
        if gone or fresh:
            changed.add(paper.pk)
        removed += gone
        added += [through(paper_id=paper.pk, keyword_id=keyword_id) for keyword_id in fresh]
    if removed:
        through.objects.filter(pk__in=removed).delete()
    if added:
        through.objects.bulk_create(added, batch_size=1000)
    if versions:
        versioned = versions_in_context()
        edited = [
            paper
            for paper in wanted
            if paper.pk in changed
            and paper.pk not in new
            and (Paper._meta.label, paper.pk) not in versioned
        ]
        record_versions(Paper, edited, "~")
    if changed or created:
        invalidate_pages()  # bulk writes send no signals
    return changed


def paper_set_keywords(*, paper: Paper, names: Sequence[str]) -> bool:
    """Make ``names`` the paper's keywords; whether they changed. See ``papers_set_keywords``."""
    return bool(papers_set_keywords(keywords={paper: names}))
