"""Papers as Hugo Blox publication pages: the lab's Hugo Blox (Wowchemy) site fed from the records.

A Hugo Blox site keeps each paper as a page bundle, ``content/publication/<folder>/``, with an
``index.md`` (YAML front matter, then the page's text) and the paper's ``cite.bib`` (its "Cite"
button). The download is a zip of those bundles, one per paper, named by the paper's slug, to be
unpacked at the root of the site (docs/exports.md, "Hugo Blox"):

- ``cite.bib``: the paper's entry of the site's BibTeX export (publications.bibtex: the same key
  as in the list's .bib, the same fields), which the lab's import reads back as it is;
- ``index.md``: the front matter of Hugo Blox 5 and later, as its publication archetype and the
  academic-file-converter write it: ``title``, ``authors`` (the names as printed: Hugo Blox
  links a name to the profile in ``content/authors/<the name, urlized>/`` where the site has
  one), ``author_notes`` (what each author's marks mean, from publications.byline.MARK_TABLE,
  when any author has a mark), ``date``, ``doi``, ``publication_types`` (CSL names, as the
  CSL-JSON export gives them: ``paper-conference``, ``article-journal``, ``article``),
  ``publication`` and ``publication_short`` (the venue and its short name, in italics),
  ``abstract``, ``tags`` (the keywords), ``featured`` (the papers the lab selects), the links
  ``url_pdf``, ``url_code``, ``url_slides``, ``url_poster``, ``url_video``, and ``links`` for
  the paper's own page, its website and arXiv. The page's text holds the status as the BibTeX
  note gives it ("To appear", "Under review", "Preprint"), the public note and the awards.

The zip is written to a spooled temporary file (in memory up to ``SPOOL_BYTES``, on disk past
it) from the plain rows of the citation exports (``cited_export``: a constant number of queries
whatever the number of papers), so its memory does not grow with the list. Its entries carry a
fixed date, so the same records give the same bytes.
"""

import tempfile
import zipfile
from collections.abc import Callable, Iterator

import yaml
from django.db.models import QuerySet

from publications.bibtex import (
    CitedPaper,
    KeyPass,
    bibtex_entries,
    cited_export,
    status_note,
    widest_field,
)
from publications.byline import MARK_TABLE
from publications.csl import csl_type
from publications.enums import VenueKind

#: The folder of the pages in a Hugo Blox site.
SECTION = "content/publication"
#: The zip stays in memory up to this size, then goes on to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024
#: The date of every file in the zip (the zip format's earliest): the same records give the
#: same bytes.
FILE_DATE = (1980, 1, 1, 0, 0, 0)
#: What a mark means, as an author note: "Equal contribution".
_NOTES = {mark.sign: mark.label[:1].upper() + mark.label[1:] for mark in MARK_TABLE}
_LINK_FIELDS = (
    ("url_pdf", "pdf_url"),
    ("url_code", "code_url"),
    ("url_slides", "slides_url"),
    ("url_poster", "poster_url"),
    ("url_video", "video_url"),
)
#: libyaml's safe dumper where PyYAML was built with it (ten times faster), else PyYAML's own.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_MARKDOWN_SPECIALS = str.maketrans({char: "\\" + char for char in "\\*_`[]<>"})


def _italic(text: str) -> str:
    return "*" + text.translate(_MARKDOWN_SPECIALS) + "*"


def _publication(p: CitedPaper, name: str | None) -> str:
    if not name:
        return ""
    where = _italic(name)
    return f"In {where}" if p.venue_kind in (VenueKind.CONFERENCE, VenueKind.WORKSHOP) else where


def author_name(given: str, family: str) -> str:
    return f"{given} {family}".strip()


def front_matter(p: CitedPaper, page_url: str) -> dict:
    """The page's front matter, in the order of Hugo Blox's archetype; empty values left out."""
    authors = [author_name(a.given, a.family) for a in p.authors]
    notes = ["; ".join(_NOTES[sign] for sign in a.marks) for a in p.authors]
    matter: dict = {"title": p.title, "authors": authors}
    if any(notes):
        matter["author_notes"] = notes
    if p.year:
        matter["date"] = f"{p.year:04d}-{p.month or 1:02d}-01T00:00:00Z"
    matter["doi"] = p.doi
    matter["publication_types"] = [csl_type(p)]
    matter["publication"] = _publication(p, p.venue_name)
    matter["publication_short"] = _publication(p, p.venue_short_name)
    matter["abstract"] = p.abstract
    matter["tags"] = p.keywords
    matter["featured"] = p.selected
    for name, attribute in _LINK_FIELDS:
        matter[name] = getattr(p, attribute)
    links = [{"name": "Paper", "url": p.url or page_url}]
    if p.website_url:
        links.append({"name": "Website", "url": p.website_url})
    if p.arxiv_id:
        links.append({"name": "arXiv", "url": f"https://arxiv.org/abs/{p.arxiv_id}"})
    matter["links"] = links
    return {name: value for name, value in matter.items() if value not in ("", [], None)}


def page_text(p: CitedPaper, page_url: str) -> str:
    """The whole ``index.md``: front matter, then the status, the public note and the awards."""
    matter = yaml.dump(
        front_matter(p, page_url),
        Dumper=_DUMPER,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
    )
    status = status_note(p)
    body = [f"{status}."] if status else []
    if p.note:
        body.append(p.note.translate(_MARKDOWN_SPECIALS))
    body += [f"**{award.translate(_MARKDOWN_SPECIALS)}**" for award in p.awards]
    text = f"---\n{matter}---\n"
    return text + ("\n" + "\n\n".join(body) + "\n" if body else "")


def cite_bib(p: CitedPaper, keys: dict[int, str]) -> str:
    """The paper's entry as the site's BibTeX export writes it (its key of ``keys``, the list's
    key pass), the values aligned for this one entry."""
    widest = widest_field(p, has_authors=bool(p.authors), has_keywords=bool(p.keywords))
    return next(bibtex_entries([p], KeyPass(keys, widest)))


def _file(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=FILE_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text.encode())


def bundles(papers: QuerySet, page_url: Callable[[str], str]) -> Iterator[tuple[str, str, str]]:
    """(folder, index.md, cite.bib) of each paper, in the list's order, as the citation
    exports read them (``cited_export`` with the abstracts and awards)."""
    passed, records = cited_export(papers, abstracts=True, awards=True)
    for p in records:
        yield f"{SECTION}/{p.slug}", page_text(p, page_url(p.slug)), cite_bib(p, passed.keys)


def hugoblox_zip(papers: QuerySet, *, page_url: Callable[[str], str]):
    """The zip of ``papers``' page bundles (a spooled temporary file, read from its start);
    ``page_url(slug)``: the address of a paper's page on this site (the "Paper" link of one
    without a URL of its own)."""
    # Not closed here: FileResponse sends it and closes it.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    with zipfile.ZipFile(spool, "w") as archive:
        for folder, index, cite in bundles(papers, page_url):
            _file(archive, f"{folder}/index.md", index)
            _file(archive, f"{folder}/cite.bib", cite)
    spool.seek(0)
    return spool
