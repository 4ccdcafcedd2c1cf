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

Why rows are written in bulk rather than one paper at a time through ``paper_set_byline``:
parsing and matching each byline costs several queries per paper, which for 20,000 papers takes
minutes; the benchmark needs the data in seconds. Rows go in with ``bulk_create`` in batches,
the 120,000 author rows through the byline service's bulk form (``papers_set_authorships``, a
fixed number of queries), all in one transaction. What is written here satisfies every database
constraint (unique slugs, DOIs, arXiv ids, author positions and people per paper, months, years,
spans, choices), which the database enforces on insert. Bulk writes send no signals, so the
page cache is invalidated explicitly.

The modules:

- ``vocabulary``: the fake world's word lists and fixed facts (names, cities, venues, title
  phrases, degrees, jobs, years);
- ``generator``: ``LabSize``, ``generate_lab`` and the steps that draw the records from one
  seeded random generator;
- ``bulk``: the database side: the tables a lab fills (``LAB_MODELS``), writing rows in
  batches, ``lab_is_empty`` and ``flush_lab``.

This package's API is what is imported here.
"""

from devtools.synthetic.bulk import LAB_MODELS, flush_lab, lab_is_empty
from devtools.synthetic.generator import LabSize, generate_lab

__all__ = ["LAB_MODELS", "LabSize", "flush_lab", "generate_lab", "lab_is_empty"]
