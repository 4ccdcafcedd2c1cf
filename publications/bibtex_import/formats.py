"""The file formats the paper import reads, each by a reader that turns the text of a file into
a ``BibtexFile`` of ``PlannedEntry`` (the plan and the apply are the same whatever the format).

``FORMATS`` maps a format's name (kept in the admin's signed confirm payload and given to
``bibtex_plan`` and ``bibtex_import`` as ``format=``) to its ``Format``; ``format_for(name)``
picks the format of an uploaded file by its extension.
"""

from collections.abc import Callable
from dataclasses import dataclass

from publications.bibtex_import.csljson import read_csl_json
from publications.bibtex_import.parse import BibtexFile, read_file
from publications.bibtex_import.ris import read_ris


@dataclass(frozen=True)
class Format:
    name: str
    #: What a lab admin calls it ("BibTeX", "RIS", "CSL-JSON").
    label: str
    #: File name extensions, lower case with the dot.
    extensions: tuple[str, ...]
    read: Callable[[str], BibtexFile]
    #: The message when a file of this format holds no entry.
    empty: str


BIBTEX = Format(
    name="bibtex",
    label="BibTeX",
    extensions=(".bib", ".bibtex", ".txt"),
    read=read_file,
    empty="The file has no BibTeX entries (@article{…}, @inproceedings{…}).",
)

RIS = Format(
    name="ris",
    label="RIS",
    extensions=(".ris",),
    read=read_ris,
    empty="The file has no RIS records (TY  - JOUR … ER  - ).",
)

CSL_JSON = Format(
    name="csljson",
    label="CSL-JSON",
    extensions=(".csl.json", ".json"),
    read=read_csl_json,
    empty="The file has no CSL-JSON items ([{\"type\": …, \"title\": …}]).",
)

FORMATS: dict[str, Format] = {fmt.name: fmt for fmt in (BIBTEX, RIS, CSL_JSON)}


def format_for(filename: str) -> Format:
    """The format of a file by its name's extension; BibTeX when nothing else claims it."""
    lowered = filename.lower()
    for candidate in FORMATS.values():
        if lowered.endswith(candidate.extensions):
            return candidate
    return BIBTEX
