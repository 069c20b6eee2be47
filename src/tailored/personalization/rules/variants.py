"""Audience variants: `<div data-audience="…">` blocks shown only to the learners they name.

A matching block is kept exactly as written (the wrapper renders as a plain `<div>`); any
other is removed with its code samples, headings and links, which the adaptation declares
so the verifier accepts their absence.
"""

from __future__ import annotations

from tailored.markdown import Block
from tailored.personalization.rules.conditions import holds, parse_condition
from tailored.personalization.rules.context import Context

NAME = "audience_variants"
ATTRIBUTE = "data-audience"
# Dropping a tab would break its group's default; variants are plain wrapper elements.
_NOT_VARIANTS = frozenset({"Tabs", "TabItem"})


def apply(ctx: Context) -> None:
    kept = dropped = 0
    for siblings in ctx.live_sibling_lists():
        for index, block in enumerate(siblings):
            value = ctx.attributes(block).get(ATTRIBUTE)
            if value is None or block.tag in _NOT_VARIANTS or ctx.plan.is_dropped(block):
                continue
            condition = parse_condition(value)
            verdict = None if condition is None else holds(condition, ctx.audience)
            if verdict is None:
                continue  # unknown annotation: leave the block as the author wrote it
            if verdict:
                kept += 1
                continue
            start, end = _removal(siblings, index)
            ctx.plan.drop(block, start, end)
            dropped += 1
    if dropped:
        ctx.plan.note(NAME, f"Kept {kept} and removed {dropped} blocks written for other learners")


def _removal(siblings: tuple[Block, ...], index: int) -> tuple[int, int]:
    """Lines to delete: the block, and the blank line after it when one also precedes it."""
    block = siblings[index]
    after = siblings[index + 1] if index + 1 < len(siblings) else None
    before_blank = index == 0 or siblings[index - 1].kind == "blank"
    if after is not None and after.kind == "blank" and before_blank:
        return block.start, after.end
    return block.start, block.end
