"""Text as files write it, made readable: LaTeX (pylatexenc) and publisher markup (HTML, JATS
and MathML, read with the standard library's ``html.parser``).

``clean_text`` is what every text field of an entry goes through: markup first, when there is
any, then LaTeX. The order matters for IEEE Xplore, whose titles carry a formula twice, as LaTeX
and as a picture:

    for <inline-formula><tex-math notation="LaTeX">$k$</tex-math><alternatives>
    <inline-graphic xlink:href="qiu-ieq1.gif"/></alternatives></inline-formula>-Coverage

The markup pass keeps a formula's ``tex-math`` (or, without one, the text of its MathML) once
and drops its alternatives; the LaTeX pass then turns ``$k$`` into ``k``. Math is kept as
readable text (``$O(n \\log n)$`` -> ``O(n log n)``, ``$\\alpha$`` -> ``α``), accents and
dashes become their characters, and braces that only protect capitals go.
"""

import functools
import re
from html.parser import HTMLParser

from pylatexenc import latexwalker
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db


def _latex_decoder() -> LatexNodes2Text:
    # \url{...} kept bare (pylatexenc writes <...>); math as text, as a reader would say it.
    context = get_default_latex_context_db()
    context.add_context_category(
        "lab-bibtex-import", prepend=True, macros=[MacroTextSpec("url", simplify_repl="%s")]
    )
    return LatexNodes2Text(latex_context=context, keep_braced_groups=False, math_mode="text")


_decoder = _latex_decoder()
# LatexWalker builds this parsing context afresh for every string unless given one: that was
# nine tenths of the time of reading a file.
_walker_context = latexwalker.get_default_latex_context_db()
_UNESCAPED_BRACE = re.compile(r"[{}]")
# In a .bib a bare % or & is text: LaTeX would read a comment and an alignment tab.
_UNESCAPED_SPECIAL = re.compile(r"(?<!\\)([%&])")
_PLAIN_MARKUP = (
    ("---", "\u2014"),
    ("--", "\u2013"),
    ("``", "\u201c"),
    ("''", "\u201d"),
    ("~", " "),
)
# Whether a value holds markup at all: a tag or a character reference. Only a test: the
# markup is read by html.parser, never taken apart with regular expressions.
_MARKUP = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>|&(?:#[0-9]+|#x[0-9a-f]+|[a-z]+);", re.I)


@functools.lru_cache(maxsize=8192)  # venues, names and keywords repeat from entry to entry
def decode_text(value: str) -> str:
    """LaTeX to Unicode, on one line: ``S{\\'a}nchez`` -> ``Sánchez``. In a .bib a bare ``%``
    or ``&`` is text."""
    if "\\" not in value and "$" not in value:
        # No commands and no math: braces, ties and dashes only, as pylatexenc renders them,
        # without its character-by-character parser (a long abstract took milliseconds).
        decoded = _UNESCAPED_BRACE.sub("", value)
        for latex, text in _PLAIN_MARKUP:
            decoded = decoded.replace(latex, text)
        return " ".join(decoded.split())
    try:
        decoded = _decoder.latex_to_text(
            _UNESCAPED_SPECIAL.sub(r"\\\1", value), latex_context=_walker_context
        )
    except Exception:  # pylatexenc raises assorted errors on broken LaTeX
        decoded = value.replace("{", "").replace("}", "")
    return " ".join(decoded.split())


def has_markup(value: str) -> bool:
    return ("<" in value or "&" in value) and bool(_MARKUP.search(value))


def clean_text(value: str) -> str:
    """A text field as a reader should see it: publisher markup reduced to its text, then
    LaTeX decoded (see the module docstring)."""
    if has_markup(value):
        value = markup_to_text(value)
    return decode_text(value)


# --- Markup ---------------------------------------------------------------------------------

#: Elements whose text is never the reader's: pictures, and JATS section titles ("Abstract"
#: at the head of a Crossref abstract).
_SILENT = frozenset({"inline-graphic", "graphic", "img", "script", "style", "title", "label"})
_FORMULAS = frozenset({"inline-formula", "disp-formula", "formula"})
_BLOCKS = frozenset({"p", "br", "div", "sec", "list-item", "li", "disp-quote", "break"})
_SCRIPTS = {
    "sup": ("^", str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")),
    "sub": ("_", str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")),
}


def _local(tag: str) -> str:
    """``jats:p`` -> ``p``, ``mml:mi`` -> ``mi``: JATS and MathML arrive with and without
    their prefixes."""
    return tag.rpartition(":")[2].lower()


class _MarkupText(HTMLParser):
    """The text of HTML, JATS or MathML. A formula contributes its LaTeX (``tex-math``) when
    it has one, else the text of its MathML, never both; the rest of it (``alternatives``:
    pictures, a second rendering) is dropped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.silent = 0  # depth inside elements whose text is dropped
        self.formula: dict[str, list[str]] | None = None
        self.formula_depth = 0
        self.in_tex = 0
        self.in_math = 0
        self.after_formula = False
        self.script: tuple[str, list[str]] | None = None  # inside <sup> or <sub>

    def handle_starttag(self, tag, attrs):
        name = _local(tag)
        if name in _SILENT:
            self.silent += 1
        elif name in _FORMULAS:
            if self.formula is None:
                self.formula = {"tex": [], "math": []}
            self.formula_depth += 1
        elif name == "tex-math":
            self.in_tex += 1
        elif name == "math":
            self.in_math += 1
        elif name in _SCRIPTS and self.script is None and self.formula is None:
            self.script = (name, [])
        elif name in _BLOCKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if _local(tag) in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        name = _local(tag)
        if name in _SILENT:
            self.silent = max(0, self.silent - 1)
        elif name in _FORMULAS and self.formula is not None:
            self.formula_depth -= 1
            if self.formula_depth <= 0:
                found = self.formula["tex"] or self.formula["math"]
                self.parts.append(" ".join("".join(found).split()))
                self.formula, self.formula_depth = None, 0
                self.after_formula = True
        elif name == "tex-math":
            self.in_tex = max(0, self.in_tex - 1)
        elif name == "math":
            self.in_math = max(0, self.in_math - 1)
        elif name in _SCRIPTS and self.script is not None and self.script[0] == name:
            self.parts.append(_script_text(name, "".join(self.script[1])))
            self.script = None
        elif name in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if self.silent:
            return
        if self.formula is not None:
            if self.in_tex:
                self.formula["tex"].append(data)
            elif self.in_math:
                self.formula["math"].append(data)
            return
        if self.after_formula and data.lstrip().startswith("-"):
            # "<inline-formula>…k…</inline-formula> -Coverage": the export's line break, not
            # a space the title has.
            data = data.lstrip()
        self.after_formula = False
        (self.script[1] if self.script is not None else self.parts).append(data)


def _script_text(name: str, text: str) -> str:
    """10<sup>6</sup> -> 10⁶, CO<sub>2</sub> -> CO₂; what has no such character -> ^(x), _(x)
    (as LaTeX's text rendering writes it), so "10<sup>6</sup>" never reads as "106"."""
    sign, table = _SCRIPTS[name]
    text = text.strip()
    converted = text.translate(table)
    if text and all(ord(ch) > 127 for ch in converted):
        return converted
    return f"{sign}{text}" if len(text) == 1 else f"{sign}({text})" if text else ""


def markup_to_text(value: str) -> str:
    parser = _MarkupText()
    parser.feed(value)
    parser.close()
    return "".join(parser.parts)
