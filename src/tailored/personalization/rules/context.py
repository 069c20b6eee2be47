"""What every transformation reads: the parsed chapter, the audience, the library, the plan."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from tailored.markdown import Block, Document
from tailored.personalization.adapter import Audience, ChapterInput, Library
from tailored.personalization.rules.attributes import opening_tag, parse_attributes
from tailored.personalization.rules.edits import Plan

# Elements whose inner Markdown is its own list of sibling blocks.
_CONTAINERS = frozenset({"jsx", "admonition"})


@dataclass(frozen=True)
class Context:
    chapter: ChapterInput
    audience: Audience
    library: Library
    doc: Document
    plan: Plan
    _attributes: dict[int, dict[str, str | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def front_matter(self) -> Mapping[str, Any]:
        return self.chapter.front_matter

    def attributes(self, block: Block) -> dict[str, str | None]:
        """Attributes of a JSX element block (empty for anything else)."""
        if block.kind != "jsx" or block.tag is None:
            return {}
        cached = self._attributes.get(block.start)
        if cached is None:
            cached = parse_attributes(opening_tag(self.doc, block))
            self._attributes[block.start] = cached
        return cached

    def sibling_lists(self) -> Iterator[tuple[Block, ...]]:
        """The top-level blocks, then the children of every container, depth first."""
        yield self.doc.blocks
        for block in self.doc.walk():
            if block.kind in _CONTAINERS and block.children:
                yield block.children

    def live_sibling_lists(self) -> Iterator[tuple[Block, ...]]:
        """Sibling lists whose container has not been dropped."""
        stack: list[tuple[Block, ...]] = [self.doc.blocks]
        while stack:
            siblings = stack.pop()
            yield siblings
            for block in reversed(siblings):
                if block.kind in _CONTAINERS and block.children and not self.plan.is_dropped(block):
                    stack.append(block.children)
