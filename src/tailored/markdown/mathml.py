"""TeX math (`$...$`, `$$...$$`) → MathML on the server, for the reader.

Browsers render MathML Core natively, so the page needs no script and nothing from a CDN.
latex2mathml writes the MathML; the reader's sanitizer then lets through only the elements and
attributes listed here: what latex2mathml emits, less `href`, `style` and `class` (TeX's
`\\href`, `\\style` and `\\class` would carry links or styles from the chapter into the page).
A formula latex2mathml cannot read shows as its TeX in a `<code>`.
"""

from __future__ import annotations

import html
from functools import lru_cache

from latex2mathml.converter import convert

__all__ = ["MATHML_ATTRIBUTES", "MATHML_TAGS", "math_html"]

MATHML_TAGS = frozenset(
    {
        "math",
        "menclose",
        "mfrac",
        "mi",
        "mn",
        "mo",
        "mover",
        "mpadded",
        "mphantom",
        "mroot",
        "mrow",
        "mspace",
        "msqrt",
        "mstyle",
        "msub",
        "msubsup",
        "msup",
        "mtable",
        "mtd",
        "mtext",
        "mtr",
        "munder",
        "munderover",
    }
)
# Presentation attributes only: none of them holds a URL or script, and colours are parsed as
# colours (a bad one is ignored).
_SHARED = frozenset(
    {
        "displaystyle",
        "mathbackground",
        "mathcolor",
        "mathsize",
        "mathvariant",
        "scriptlevel",
    }
)
_OWN: dict[str, frozenset[str]] = {
    "math": frozenset({"display", "xmlns"}),
    "menclose": frozenset({"notation"}),
    "mfrac": frozenset({"linethickness"}),
    "mo": frozenset(
        {
            "accent",
            "fence",
            "form",
            "largeop",
            "lspace",
            "maxsize",
            "minsize",
            "movablelimits",
            "rspace",
            "separator",
            "stretchy",
        }
    ),
    "mover": frozenset({"accent"}),
    "munder": frozenset({"accentunder"}),
    "munderover": frozenset({"accent", "accentunder"}),
    "mpadded": frozenset({"depth", "height", "lspace", "voffset", "width"}),
    "mspace": frozenset({"depth", "height", "linebreak", "width"}),
    "mtable": frozenset({"columnalign", "columnlines", "columnspacing", "rowlines", "rowspacing"}),
    "mtd": frozenset({"columnalign"}),
}
MATHML_ATTRIBUTES: dict[str, set[str]] = {
    tag: set(_SHARED | _OWN.get(tag, frozenset())) for tag in MATHML_TAGS
}

# Longer than any real formula; latex2mathml's time grows with the input.
MAX_TEX = 5_000


@lru_cache(maxsize=2048)
def math_html(tex: str, *, display: bool) -> str:
    """MathML for one formula (to be sanitized with the rest of the page), or its TeX as code."""
    tex = tex.strip()
    if tex and len(tex) <= MAX_TEX:
        try:
            return convert(tex, display="block" if display else "inline")
        # latex2mathml raises its own errors for bad TeX and plain ones (IndexError,
        # StopIteration, ...) for some inputs: any of them means "show the TeX".
        except Exception:
            pass
    code = f'<code class="math">{html.escape(tex)}</code>'
    return f'<p class="math-block">{code}</p>\n' if display else code
