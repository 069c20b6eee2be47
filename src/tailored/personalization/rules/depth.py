"""Depth: collapse advanced material for beginners, beginner asides for advanced learners.

Two ways to mark depth:

* front matter `advanced_sections: [anchor, …]` / `beginner_sections: [...]` name whole
  sections by heading anchor. The heading lines stay visible (anchors and the table of
  contents keep working); the text between headings collapses into `<details>`.
* `<div data-depth="advanced">` / `<div data-depth="beginner">` mark one passage.
"""

from __future__ import annotations

from tailored.markdown import Block
from tailored.personalization.rules.audience import COLLAPSE_ADVANCED, COLLAPSE_BEGINNER, DEPTH
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.features import SECTION_KEYS, string_list
from tailored.personalization.rules.hardware import is_hardware_block
from tailored.personalization.rules.markup import escape_text

NAME = "depth"
ATTRIBUTE = "data-depth"
_KIND_BY_MODE = {COLLAPSE_ADVANCED: "advanced", COLLAPSE_BEGINNER: "beginner"}
_SUMMARY = {
    "advanced": "Going deeper (advanced): open when you are ready",
    "beginner": "Refresher for newcomers: open if you need it",
}


def apply(ctx: Context) -> None:
    kind = _KIND_BY_MODE.get(str(ctx.audience.get(DEPTH)))
    if kind is None:
        return
    collapsed: list[tuple[int, int]] = []
    headings: list[tuple[str, str]] = []
    sections = _sections(ctx, kind, collapsed, headings)
    passages = _passages(ctx, kind, collapsed)
    marked = _MARKED[kind]
    if sections:
        quoted = ", ".join(f"'{text}'" for text, _ in headings)
        inferred = set(string_list(ctx.front_matter.get("_tailored_inferred_depth")))
        by_heading = all(anchor in inferred for _, anchor in headings)
        how = "from its heading" if by_heading else "by the author"
        ctx.plan.note(NAME, f"Collapsed {quoted}: marked {marked} {how}")
    if passages:
        noun = "passage" if passages == 1 else "passages"
        ctx.plan.note(NAME, f"Collapsed {passages} {noun} the author marked {marked}")


_MARKED = {"advanced": "advanced", "beginner": "introductory"}


def _sections(
    ctx: Context, kind: str, collapsed: list[tuple[int, int]], headings: list[tuple[str, str]]
) -> int:
    anchors = [a.lstrip("#") for a in string_list(ctx.front_matter.get(SECTION_KEYS[kind]))]
    wanted = set(anchors)
    count = 0
    for siblings in ctx.live_sibling_lists():
        for index, block in enumerate(siblings):
            heading = block.heading
            if heading is None or heading.anchor not in wanted or ctx.plan.is_dropped(block):
                continue
            if _inside(block.start, collapsed):
                continue
            end = section_end(siblings, index)
            wrapped = False
            for run in runs(ctx, siblings[index + 1 : end]):
                ctx.plan.wrap(run[0], run[-1], _SUMMARY[kind])
                wrapped = True
            if wrapped:
                collapsed.append((block.end, siblings[end - 1].end))
                headings.append((" ".join(heading.text.split()), heading.anchor))
                count += 1
            wanted.discard(heading.anchor)
    return count


def section_end(siblings: tuple[Block, ...], index: int) -> int:
    """Index just past the section that the heading at `index` opens."""
    opening = siblings[index].heading
    level = opening.level if opening is not None else 0
    for later in range(index + 1, len(siblings)):
        heading = siblings[later].heading
        if heading is not None and heading.level <= level:
            return later
    return len(siblings)


def runs(ctx: Context, body: tuple[Block, ...]) -> list[list[Block]]:
    """Visible content between the section's sub-headings (which stay out of <details>)."""
    runs: list[list[Block]] = [[]]
    for block in body:
        if block.heading is not None:
            runs.append([])
        elif block.kind != "blank" and not ctx.plan.is_dropped(block):
            runs[-1].append(block)
    return [run for run in runs if run]


def _passages(ctx: Context, kind: str, collapsed: list[tuple[int, int]]) -> int:
    count = 0
    for siblings in ctx.live_sibling_lists():
        for block in siblings:
            attrs = ctx.attributes(block)
            value = (attrs.get(ATTRIBUTE) or "").strip().lower()
            if value != kind or ctx.plan.is_dropped(block) or _inside(block.start, collapsed):
                continue
            if is_hardware_block(ctx, block) or block.tag in ("Tabs", "TabItem"):
                continue  # the hardware path decides; a <details> inside <Tabs> breaks it
            summary = attrs.get("data-summary")
            ctx.plan.wrap(block, block, escape_text(summary) if summary else _SUMMARY[kind])
            collapsed.append((block.start, block.end))
            count += 1
    return count


def _inside(line: int, ranges: list[tuple[int, int]]) -> bool:
    return any(start <= line < end for start, end in ranges)
