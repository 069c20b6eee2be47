"""The edit plan of one adaptation: every change is collected first, then rendered once.

Transformations never produce text directly. They add to a `Plan`:

* `Splice`s from the document model (replace, delete, insert between lines);
* `Move`s, which replace a line range with a new arrangement of original line ranges and
  literal text (putting the learner's hardware path first, splitting a `<Tabs>` group).

Moves may nest and may contain splices (a glossary footnote inside a moved paragraph), so a
move's text is rendered from its parts with the edits that fall inside each part. Everything
else is copied from the source by `Document.splice`, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tailored.derived.outcome import Transformation
from tailored.markdown import Block, Document, Splice


@dataclass(frozen=True, slots=True)
class Lines:
    """Original lines `[start, end)`, rendered with the edits inside them."""

    start: int
    end: int

    @classmethod
    def of(cls, block: Block) -> Lines:
        return cls(block.start, block.end)


Part = Lines | str


@dataclass(frozen=True, slots=True)
class Move:
    """Replace original lines `[start, end)` with `parts`, in order."""

    start: int
    end: int
    parts: tuple[Part, ...]


Edit = Splice | Move


@dataclass
class Plan:
    """Edits and bookkeeping for one adaptation; mutable, private to one `adapt` call."""

    doc: Document
    splices: list[Splice] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    dropped: list[Block] = field(default_factory=list)
    # Line ranges a reader will not see without a click: collapsed or in a hidden tab.
    hidden: list[tuple[int, int]] = field(default_factory=list)
    applied: list[Transformation] = field(default_factory=list)
    added_targets: list[str] = field(default_factory=list)
    _dropped_ranges: list[tuple[int, int]] = field(default_factory=list)

    def drop(self, block: Block, start: int, end: int) -> None:
        """Delete lines `[start, end)`, which hold `block` (and maybe a blank line after it)."""
        self.dropped.append(block)
        self._dropped_ranges.append((start, end))
        self.splices.append(Splice(start, end, ""))

    def is_dropped(self, block: Block) -> bool:
        return any(start <= block.start < end for start, end in self._dropped_ranges)

    def is_hidden(self, line: int) -> bool:
        return any(start <= line < end for start, end in self.hidden)

    def wrap(self, first: Block, last: Block, summary: str) -> None:
        """Collapse blocks `first`..`last` (siblings) into `<details>` without touching them."""
        indent = indentation(first)
        opening, closing = details_lines(summary, indent)
        self.splices.append(Splice.insert_before(first, opening))
        self.splices.append(Splice.insert_after(last, closing))
        self.hidden.append((first.start, last.end))

    def note(self, name: str, detail: str) -> None:
        self.applied.append(Transformation(name, detail))

    def render(self) -> str:
        return _Renderer(self.doc, [*self.splices, *self.moves]).render()

    def order_key(self, line: int) -> tuple[tuple[int, int], ...]:
        """Where `line` lands in the output, as a sortable key (moves reorder lines)."""
        key: list[tuple[int, int]] = []
        for move in sorted(self.moves, key=lambda m: (m.start, -m.end)):
            if not move.start <= line < move.end:
                continue
            index = next(
                (
                    i
                    for i, part in enumerate(move.parts)
                    if isinstance(part, Lines) and part.start <= line < part.end
                ),
                len(move.parts),
            )
            key.append((move.start, index))
        key.append((line, 0))
        return tuple(key)


def indentation(block: Block) -> str:
    """Leading whitespace of a block's first line (inserted lines must match it in JSX)."""
    first = block.text
    return first[: len(first) - len(first.lstrip(" \t"))]


def details_lines(summary: str, indent: str = "") -> tuple[str, str]:
    """Opening and closing lines of a `<details>` element around Markdown content.

    The blank lines matter: MDX parses the inside of an element as Markdown only when it is
    separated from the tags by blank lines.
    """
    opening = f"{indent}<details>\n{indent}<summary>{summary}</summary>\n\n"
    return opening, "\n" + f"{indent}</details>\n"


class _Renderer:
    def __init__(self, doc: Document, edits: list[Edit]) -> None:
        self.doc = doc
        moves = sorted((e for e in edits if isinstance(e, Move)), key=lambda m: (m.start, -m.end))
        self.children: dict[int, list[Edit]] = {id(move): [] for move in moves}
        self.top: list[Edit] = []
        for edit in edits:
            parent = _innermost(edit, moves)
            (self.top if parent is None else self.children[id(parent)]).append(edit)

    def render(self) -> str:
        return self.doc.splice(self._flat(edit) for edit in self.top)

    def _flat(self, edit: Edit) -> Splice:
        if isinstance(edit, Splice):
            return edit
        return Splice(edit.start, edit.end, self._move_text(edit))

    def _move_text(self, move: Move) -> str:
        inner = self.children[id(move)]
        claimed: set[int] = set()
        out: list[str] = []
        for part in move.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            mine = []
            for index, edit in enumerate(inner):
                if index not in claimed and _within(edit, part):
                    claimed.add(index)
                    mine.append(edit)
            out.append(self._range(part, mine))
        for index, edit in enumerate(inner):
            # Edits between parts fall on lines the move leaves out (blank separators, blocks
            # already dropped); an edit straddling a part boundary would be lost: a bug.
            if index not in claimed and any(_overlaps(edit, p) for p in move.parts):
                raise ValueError(f"edit {edit} straddles a part of move {move.start}-{move.end}")
        return "".join(out)

    def _range(self, part: Lines, edits: list[Edit]) -> str:
        lines = self.doc.lines
        pieces: list[str] = []
        cursor = part.start
        for edit in sorted(edits, key=lambda e: (e.start, e.end > e.start)):
            if edit.start < cursor:
                raise ValueError(f"overlapping edits at line {edit.start}")
            pieces.extend(lines[cursor : edit.start])
            pieces.append(_with_eol(self._flat(edit).text))
            cursor = edit.end
        pieces.extend(lines[cursor : part.end])
        return _with_eol("".join(pieces))


def _with_eol(text: str) -> str:
    return text if not text or text.endswith(("\n", "\r")) else text + "\n"


def _contains(move: Move, edit: Edit) -> bool:
    if edit is move:
        return False
    if edit.start == edit.end:  # an insert on a move's boundary stays outside it
        return move.start < edit.start < move.end
    if (edit.start, edit.end) == (move.start, move.end) and isinstance(edit, Move):
        return False
    return move.start <= edit.start and edit.end <= move.end


def _innermost(edit: Edit, moves: list[Move]) -> Move | None:
    best: Move | None = None
    for move in moves:
        if not _contains(move, edit):
            continue
        if best is None or move.end - move.start < best.end - best.start:
            best = move
    return best


def _within(edit: Edit, part: Part) -> bool:
    if isinstance(part, str):
        return False
    return part.start <= edit.start and edit.end <= part.end


def _overlaps(edit: Edit, part: Part) -> bool:
    if isinstance(part, str):
        return False
    if edit.start == edit.end:
        return part.start < edit.start < part.end
    return edit.start < part.end and part.start < edit.end
