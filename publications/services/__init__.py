"""Writes that touch several rows of the publications app: keyword-only, typed and atomic.

- ``bylines``: the one write path of byline rows (``paper_set_byline``,
  ``paper_set_authorships``, ``papers_set_authorships``, ``authorship_put``...);
- ``keywords``: the one write path of a paper's keywords (``papers_set_keywords``,
  ``paper_set_keywords``; names matched whatever the case, new keywords created);
- ``curation``: reverting a paper to an earlier version with its byline, restoring a deleted
  paper or person with what was deleted with them, merging venues and papers.
"""

from publications.services.bylines import (
    AuthorSpec,
    BylineResult,
    authorship_entry,
    authorship_put,
    authorships_delete,
    byline_authors,
    byline_matcher,
    byline_resolve,
    entries_matcher,
    paper_byline,
    paper_set_authorships,
    paper_set_byline,
    papers_set_authorships,
    printed_bylines,
    resolve_entries,
)
from publications.services.curation import (
    paper_byline_at,
    paper_bylines_at,
    paper_merge,
    paper_merge_plan,
    paper_restore,
    paper_revert,
    venue_merge,
    venue_merge_plan,
)
from publications.services.keywords import (
    KeywordError,
    KeywordIndex,
    paper_set_keywords,
    papers_set_keywords,
    split_keywords,
)

__all__ = [
    "AuthorSpec",
    "BylineResult",
    "KeywordError",
    "KeywordIndex",
    "authorship_entry",
    "authorship_put",
    "authorships_delete",
    "byline_authors",
    "byline_matcher",
    "byline_resolve",
    "entries_matcher",
    "paper_byline",
    "paper_byline_at",
    "paper_bylines_at",
    "paper_merge",
    "paper_merge_plan",
    "paper_restore",
    "paper_revert",
    "paper_set_authorships",
    "paper_set_byline",
    "paper_set_keywords",
    "papers_set_authorships",
    "papers_set_keywords",
    "printed_bylines",
    "resolve_entries",
    "split_keywords",
    "venue_merge",
    "venue_merge_plan",
]
