"""Code language: make the learner's language the default tab of `<Tabs>` language groups.

A group is a language group when its `groupId` says so, or when every tab's value (or label)
names a programming language. Non-beginners get their language as the default tab (all tabs
stay). Beginners get a group with only their language, followed by the other languages in a
collapsed `<details>` holding a second `<Tabs>`: one click away, never lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from tailored.markdown import Block, Splice
from tailored.personalization.rules.attributes import (
    add_default_flag,
    has_flag,
    opening_tag,
    remove_default_flag,
    set_string_attribute,
)
from tailored.personalization.rules.audience import TAB_LANGUAGE, TAB_ONLY
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.edits import Lines, Move, Part, details_lines, indentation
from tailored.personalization.rules.languages import canonical_language
from tailored.personalization.rules.markup import escape_text

NAME = "code_language"
LANGUAGE_GROUP_IDS = frozenset(
    {"language", "languages", "lang", "code", "code-language", "programming-language"}
)


@dataclass(frozen=True, slots=True)
class Tab:
    block: Block
    value: str | None
    label: str
    language: str | None
    default: bool


def apply(ctx: Context) -> None:
    chosen = ctx.audience.get(TAB_LANGUAGE)
    only = bool(ctx.audience.get(TAB_ONLY))
    defaults = singles = 0
    label = ""
    for group in tab_groups(ctx):
        tabs = tabs_of(ctx, group)
        if not tabs:
            continue
        shown = next((t for t in tabs if t.default), tabs[0])
        pick = _pick(ctx, group, tabs, chosen)
        if pick is not None and only and "values" not in ctx.attributes(group):
            _split(ctx, group, tabs, pick)
            singles += 1
            label = pick.label
            continue  # _split marks the other tabs hidden
        if pick is not None and pick is not shown:
            make_default(ctx, group, tabs, pick)
            defaults += 1
            label = pick.label
            shown = pick
        # Tabs that are not shown count as hidden text (for the glossary's "first use").
        for tab in tabs:
            if tab is not shown:
                ctx.plan.hidden.append((tab.block.start, tab.block.end))
    done = []
    if singles:
        done.append(
            f"showed only the {label} tab in {_groups_text(singles)}, "
            "other languages collapsed below"
        )
    if defaults:
        done.append(f"made {label} the default tab in {_groups_text(defaults)}")
    if done:
        ctx.plan.note(NAME, "; ".join(done))


def _groups_text(count: int) -> str:
    return "1 tab group" if count == 1 else f"{count} tab groups"


def tab_groups(ctx: Context) -> list[Block]:
    return [
        block
        for siblings in ctx.live_sibling_lists()
        for block in siblings
        if block.kind == "jsx" and block.tag == "Tabs" and not ctx.plan.is_dropped(block)
    ]


def tabs_of(ctx: Context, group: Block) -> list[Tab]:
    tabs = []
    for child in group.children:
        if child.kind != "jsx" or child.tag != "TabItem":
            continue
        attrs = ctx.attributes(child)
        value = attrs.get("value")
        label = attrs.get("label") or value or ""
        language = canonical_language(value or "") or canonical_language(label)
        tabs.append(Tab(child, value, label, language, has_flag(attrs, "default")))
    default_value = ctx.attributes(group).get("defaultValue")
    if default_value is not None:
        # `<Tabs defaultValue="cpp">` overrides any `default` flag on the items.
        tabs = [Tab(t.block, t.value, t.label, t.language, t.value == default_value) for t in tabs]
    return tabs


def _pick(ctx: Context, group: Block, tabs: list[Tab], chosen: object) -> Tab | None:
    if not isinstance(chosen, str) or len(tabs) < 2 or any(t.value is None for t in tabs):
        return None
    group_id = (ctx.attributes(group).get("groupId") or "").lower()
    if group_id not in LANGUAGE_GROUP_IDS and any(t.language is None for t in tabs):
        return None
    return next((t for t in tabs if t.language == chosen), None)


def make_default(ctx: Context, group: Block, tabs: list[Tab], pick: Tab) -> None:
    if ctx.attributes(group).get("defaultValue") is not None:
        tag = opening_tag(ctx.doc, group)
        new = set_string_attribute(tag, "defaultValue", pick.value or "")
        ctx.plan.splices.append(_replace_opening(group, new))
        return
    for tab in tabs:
        tag = opening_tag(ctx.doc, tab.block)
        if tab is pick:
            new = add_default_flag(tag)
        elif has_flag(ctx.attributes(tab.block), "default"):
            new = remove_default_flag(tag)
        else:
            continue
        ctx.plan.splices.append(_replace_opening(tab.block, new))


def _replace_opening(block: Block, text: str) -> Splice:
    end = block.inner[0] if block.inner is not None else block.end
    return Splice(block.start, end, text)


def _split(ctx: Context, group: Block, tabs: list[Tab], pick: Tab) -> None:
    """`<Tabs>` with the learner's tab only, then the others inside `<details>`."""
    assert group.inner is not None
    others = [t for t in tabs if t is not pick]
    opening = opening_tag(ctx.doc, group)
    closing = "".join(ctx.doc.lines[group.inner[1] : group.end])
    first_open, second_open = opening, opening
    if ctx.attributes(group).get("defaultValue") is not None:
        # Docusaurus rejects a defaultValue that no child carries.
        first_open = set_string_attribute(opening, "defaultValue", pick.value or "")
        second_open = set_string_attribute(opening, "defaultValue", others[0].value or "")
    names = ", ".join(escape_text(t.label) for t in others)
    details_open, details_close = details_lines(
        f"Show this in another language: {names}", indentation(group)
    )
    parts: tuple[Part, ...] = (
        first_open,
        Lines.of(pick.block),
        closing,
        "\n",
        details_open,
        second_open,
        *(Lines.of(t.block) for t in others),
        closing,
        details_close,
    )
    ctx.plan.moves.append(Move(group.start, group.end, parts))
    for tab in others:
        ctx.plan.hidden.append((tab.block.start, tab.block.end))
