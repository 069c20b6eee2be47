"""Words and sentences: what retrieval matches on and what an offline answer may quote."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tailored.markdown import Block, parse_document

WORD_RE = re.compile(r"\w+", re.UNICODE)

# Words a learner's question carries that say nothing about the topic ("what does ... mean?").
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been before
    being below between both but by can cannot could couldn did didn do does doesn doing don down
    during each few for from further had has have having he her here hers herself him himself his
    how i if in into is isn it its itself just let me more most my myself no nor not now of off
    on once only or other ought our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves
    also anything explain mean means meaning something tell thing things use used using way ways
    get got go going happen happens know need needs want wants work works really actually please
    difference exactly kind sort does do did s t d ll ve re m
    """.split()
)


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, in order."""
    return [w.lower() for w in WORD_RE.findall(text)]


def query_terms(question: str) -> list[str]:
    """The words of a question worth matching: no stopwords, no repeats, order kept."""
    seen: dict[str, None] = {}
    for word in words(question):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(word, None)
    return list(seen)


# A sentence ends at . ! or ? followed by space and what can start the next one.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9`*_\[(\"'])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_PROSE_KINDS = frozenset({"paragraph", "list", "blockquote", "table"})


def _prose_blocks(blocks: tuple[Block, ...]) -> Iterator[Block]:
    for block in blocks:
        if block.kind in _PROSE_KINDS:
            yield block
        elif block.children:
            # Admonitions and JSX elements: their nested Markdown is prose too.
            yield from _prose_blocks(block.children)


_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def _pieces(block: Block) -> Iterator[str]:
    text = block.text
    if block.kind == "table":
        # Each body row is a unit of its own, quoted as it stands (tables hold many facts).
        rows = [r for r in text.splitlines() if r.strip() and not _TABLE_RULE.match(r)]
        yield from (r.strip() for r in rows[1:])
        return
    if block.kind == "blockquote":
        text = re.sub(r"^\s*>\s?", "", text, flags=re.MULTILINE)
    if block.kind == "list":
        # Code nested in a list item is code all the same: never quoted as prose.
        text = _FENCE.sub("", text)
        yield from (p for p in _LIST_ITEM.split(text) if p.strip())
    else:
        yield text


def sentences(section_text: str) -> list[str]:
    """The prose sentences of a section, verbatim up to whitespace (no headings, no code)."""
    out: list[str] = []
    for block in _prose_blocks(parse_document(section_text).blocks):
        for piece in _pieces(block):
            flat = " ".join(piece.split())
            for sentence in [flat] if block.kind == "table" else _SENTENCE_END.split(flat):
                sentence = sentence.strip()
                # An image alone is not a sentence to quote (its alt text still is indexed).
                if len(WORD_RE.findall(_IMAGE.sub("", sentence))) >= 3:
                    out.append(sentence)
    return out
