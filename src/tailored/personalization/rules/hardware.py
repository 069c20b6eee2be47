"""Hardware path: blocks written for one setup (`<div data-hardware="jetson_kit">`).

Consecutive hardware blocks (only blank lines between them) form a group of alternatives.
When the learner owns hardware that some block of the group targets, those blocks come
first and stay open; every other block of the group collapses into its own `<details>`.
A group that has nothing for the learner is left as written.
"""

from __future__ import annotations

from tailored.markdown import Block
from tailored.personalization.rules.audience import HARDWARE
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.edits import Lines, Move, Part, details_lines, indentation
from tailored.personalization.rules.hardware_targets import describe, parse_targets
from tailored.personalization.rules.markup import escape_text

NAME = "hardware_path"
ATTRIBUTE = "data-hardware"
_SKIPPED_TAGS = frozenset({"Tabs", "TabItem"})


def apply(ctx: Context) -> None:
    owned = ctx.audience.get(HARDWARE)
    if not isinstance(owned, list) or not owned:
        return
    learner = frozenset(owned)
    collapsed = 0
    first_labels: list[str] = []
    reordered = False
    for group in groups(ctx):
        targets = [_targets(ctx, block) for block in group]
        mine = [b for b, t in zip(group, targets, strict=True) if t & learner]
        if not mine or len(mine) == len(group):
            continue
        others = [b for b in group if b not in mine]
        # Moving a heading would reorder the table of contents; then collapse in place.
        reorder = not any(_has_heading(b) for b in group)
        order = [*mine, *others] if reorder else group
        reordered = reordered or order != group
        parts: list[Part] = []
        for index, block in enumerate(order):
            if index:
                parts.append("\n")
            if block in mine:
                parts.append(Lines.of(block))
                continue
            summary = ctx.attributes(block).get("data-summary")
            text = (
                escape_text(summary)
                if summary
                else f"Other setup: {describe(_targets(ctx, block))}"
            )
            opening, closing = details_lines(text, indentation(block))
            parts.extend((opening, Lines.of(block), closing))
            ctx.plan.hidden.append((block.start, block.end))
            collapsed += 1
        ctx.plan.moves.append(Move(group[0].start, group[-1].end, tuple(parts)))
        first_labels.append(describe(_targets(ctx, mine[0]) & learner))
    if collapsed:
        done = "Put the {} path first" if reordered else "Kept the {} path open"
        ctx.plan.note(NAME, f"{done.format(first_labels[0])}; collapsed {collapsed} other setup(s)")


def is_hardware_block(ctx: Context, block: Block) -> bool:
    value = ctx.attributes(block).get(ATTRIBUTE)
    return value is not None and block.tag not in _SKIPPED_TAGS and parse_targets(value) is not None


def _targets(ctx: Context, block: Block) -> frozenset[str]:
    return parse_targets(ctx.attributes(block).get(ATTRIBUTE) or "") or frozenset()


def _has_heading(block: Block) -> bool:
    return any(sub.heading is not None for sub in block.walk())


def groups(ctx: Context) -> list[list[Block]]:
    """Runs of hardware blocks separated only by blank lines or blocks already dropped."""
    found: list[list[Block]] = []
    for siblings in ctx.live_sibling_lists():
        current: list[Block] = []
        for block in siblings:
            if ctx.plan.is_dropped(block) or block.kind == "blank":
                continue
            if is_hardware_block(ctx, block):
                current.append(block)
                continue
            if current:
                found.append(current)
            current = []
        if current:
            found.append(current)
    return found
