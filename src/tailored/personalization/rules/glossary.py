"""Glossary: for beginners, the first use of each glossary term gets its definition.

Definitions are GFM footnotes (`URDF[^glossary-urdf]`, defined at the end of the chapter):
the sentence reads as written, and the definition is one hover or click away. Only prose is
touched: paragraphs, list items and quotes, never headings, tables, admonition titles, code,
inline code, link text, URLs, JSX or math (these are masked or skipped). "First use" follows
the order a reader meets the text: visible text first, collapsed or hidden text after.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from markdown_it.common.normalize_url import normalizeLink

from tailored.markdown import Block, Masked, Splice, mask, unmask
from tailored.personalization.adapter import GlossaryTerm
from tailored.personalization.rules.audience import GLOSSARY
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.glossary_index import GlossaryIndex, glossary_index
from tailored.personalization.rules.markup import escape_text
from tailored.personalization.rules.prerequisites import destination, own_dir, relative

NAME = "glossary"
_PROSE_KINDS = frozenset({"paragraph", "list", "blockquote"})
# Inside a list or quote these lines are headings, tables or admonitions: skip such blocks.
_UNSAFE_LINE_RE = re.compile(
    r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*(?:#{1,6}(?:[ \t]|$)|\||:::|=+[ \t]*$|-+[ \t]*$)",
    re.MULTILINE,
)
_PLACEHOLDER_RE = re.compile(r"⟦P(\d+)⟧")
# Link and image text: brackets directly followed by a masked target or label.
_LINK_TEXT_RE = re.compile(r"!?\[[^\[\]]*\](?=⟦P\d+⟧)")
_OPEN_TAG_RE = re.compile(r"<(a|Link|abbr|code|kbd)\b[^>]*(?<!/)>$")


def apply(ctx: Context) -> None:
    if ctx.audience.get(GLOSSARY) is not True:
        return
    index = glossary_index(ctx.library)
    if index is None:
        return
    prefix = "tailored-glossary-" if "[^glossary-" in ctx.doc.text else "glossary-"
    hidden = [(b.start, b.end) for b in ctx.doc.walk() if b.kind == "jsx" and b.tag == "details"]
    candidates = [
        block
        for block in ctx.doc.walk()
        if block.kind in _PROSE_KINDS and not ctx.plan.is_dropped(block)
    ]
    candidates.sort(
        key=lambda b: (
            ctx.plan.is_hidden(b.start) or any(s <= b.start < e for s, e in hidden),
            ctx.plan.order_key(b.start),
        )
    )
    defined: list[int] = []
    # A chapter that defines a term itself needs no footnote for it.
    seen: set[int] = {n for n, t in enumerate(index.terms) if t.chapter_id == ctx.chapter.id}
    labels = ctx.doc.reference_labels
    for block in candidates:
        if len(seen) == len(index.terms):
            break
        text = _define(block, index, seen, defined, prefix, labels)
        if text is not None:
            ctx.plan.splices.append(Splice.replace(block, text))
    if defined:
        ctx.plan.splices.append(_definitions(ctx, index, defined, prefix))
        count = len(defined)
        ctx.plan.note(NAME, f"Defined {count} term{'' if count == 1 else 's'} on first use")


def _define(
    block: Block,
    index: GlossaryIndex,
    seen: set[int],
    defined: list[int],
    prefix: str,
    labels: frozenset[str],
) -> str | None:
    """The block's text with a footnote after each term's first use, or None if none."""
    if not any(_fresh(index, match, seen) for match in index.pattern.finditer(block.text)):
        return None  # masking costs most: skip blocks that name no term still undefined
    masked = mask(block.text, reference_labels=labels)
    text = masked.text
    if block.kind != "paragraph" and _UNSAFE_LINE_RE.search(text):
        return None
    starts, ends = _excluded(masked)
    inserts: list[tuple[int, int]] = []
    for match in index.pattern.finditer(text):
        position = bisect_right(starts, match.start()) - 1
        if position >= 0 and match.start() < ends[position]:
            continue
        term = index.lookup(match.group())
        if term is None or term in seen:
            continue
        if text[match.end() : match.end() + 1] in ("(", "["):
            continue  # `term[^x](…)` would parse as a link
        seen.add(term)
        defined.append(term)
        inserts.append((match.end(), term))
    if not inserts:
        return None
    pieces: list[str] = []
    cursor = 0
    for offset, term in inserts:
        pieces.append(text[cursor:offset])
        pieces.append(f"[^{prefix}{index.slugs[term]}]")
        cursor = offset
    pieces.append(text[cursor:])
    return unmask("".join(pieces), masked)


def _fresh(index: GlossaryIndex, match: re.Match[str], seen: set[int]) -> bool:
    term = index.lookup(match.group())
    return term is not None and term not in seen


def _excluded(masked: Masked) -> tuple[list[int], list[int]]:
    """Sorted, non-overlapping spans of the masked text where no footnote may go."""
    spans: list[tuple[int, int]] = []
    text = masked.text
    open_at: int | None = None
    for match in _PLACEHOLDER_RE.finditer(text):
        original = masked.originals[int(match.group(1))]
        if open_at is None and _OPEN_TAG_RE.match(original):
            open_at = match.start()
        elif open_at is not None and original.startswith("</"):
            spans.append((open_at, match.end()))
            open_at = None
        else:
            spans.append(match.span())
    spans.extend(m.span() for m in _LINK_TEXT_RE.finditer(text))
    spans.sort()
    starts: list[int] = []
    ends: list[int] = []
    for start, end in spans:
        if ends and start < ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _definitions(ctx: Context, index: GlossaryIndex, defined: list[int], prefix: str) -> Splice:
    lines = ctx.doc.lines
    last = lines[-1] if lines else ""
    lead = "" if not last or last.endswith(("\n", "\r")) else "\n"
    body = "".join(
        f"[^{prefix}{index.slugs[n]}]: **{escape_text(index.terms[n].term)}**: "
        f"{escape_text(index.terms[n].definition)}{_where(ctx, index.terms[n])}\n"
        for n in defined
    )
    return Splice(len(lines), len(lines), f"{lead}\n{body}")


def _where(ctx: Context, term: GlossaryTerm) -> str:
    """For a term mined from the book: a link to where the book defines it."""
    ref = ctx.library.chapters.get(term.chapter_id or "")
    if ref is None:
        return ""
    target = relative(own_dir(ctx), ref.path) + (f"#{term.anchor}" if term.anchor else "")
    ctx.plan.added_targets.append(normalizeLink(target))
    return f" ([defined in {escape_text(ref.title)}]({destination(target)}))"
