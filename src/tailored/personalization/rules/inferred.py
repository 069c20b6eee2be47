"""Inferred annotations (tailored.inference), applied where the author wrote none.

* depth: inferred section anchors join the chapter's effective `advanced_sections` /
  `beginner_sections` (unless the author marked that kind), so `depth` collapses them;
* "Before you start": terms this chapter uses that earlier chapters define, linked to the
  sections that define them;
* "Key points": for advanced and challenging readers, sentences taken verbatim from the
  chapter, attributed to their sections, at the top;
* hardware sections: sections written for another setup collapse (headings stay visible).
"""

from __future__ import annotations

from dataclasses import replace

from markdown_it.common.normalize_url import normalizeLink

from tailored.inference import ChapterHints
from tailored.markdown import Splice
from tailored.personalization.adapter import ChapterInput, Library
from tailored.personalization.rules.audience import HARDWARE, INFERRED_PREREQUISITES, KEY_POINTS
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.depth import runs, section_end
from tailored.personalization.rules.features import SECTION_KEYS, Features, features_of
from tailored.personalization.rules.hardware_targets import LABELS, describe
from tailored.personalization.rules.markup import escape_text
from tailored.personalization.rules.prerequisites import (
    at_end,
    destination,
    first_content,
    own_dir,
    relative,
)

NAME = "inferred"
# Front matter keys only the adapter sets (a leading underscore: never an author's).
INFERRED_DEPTH = "_tailored_inferred_depth"


def hints_for(chapter: ChapterInput, library: Library) -> ChapterHints | None:
    return library.hints.get(chapter.id)


def effective(
    chapter: ChapterInput, features: Features, hints: ChapterHints | None
) -> ChapterInput:
    """The chapter with inferred depth sections where the author marked no depth of that kind."""
    if hints is None or not hints.depth:
        return chapter
    front_matter = dict(chapter.front_matter)
    inferred: list[str] = []
    for kind, key in SECTION_KEYS.items():
        if kind in features.depth_kinds:
            continue  # explicit annotations win
        anchors = [h.anchor for h in hints.depth if h.value == kind]
        if anchors:
            front_matter[key] = anchors
            inferred.extend(anchors)
    if not inferred:
        return chapter
    front_matter[INFERRED_DEPTH] = inferred
    return replace(chapter, front_matter=front_matter)


def hardware_targets(features: Features, hints: ChapterHints | None) -> frozenset[str]:
    if hints is None or features.hardware_targets:
        return frozenset()
    return frozenset(h.value for h in hints.hardware)


def apply(ctx: Context) -> None:
    hints = hints_for(ctx.chapter, ctx.library)
    if hints is None:
        return
    top: list[str] = []
    if ctx.audience.get(INFERRED_PREREQUISITES) is True:
        callout = _before_you_start(ctx, hints)
        if callout:
            top.append(callout)
    if ctx.audience.get(KEY_POINTS) is True and hints.key_points:
        top.append(_key_points(hints))
        ctx.plan.note(
            "key_points", f"Added {len(hints.key_points)} key points from the chapter at the top"
        )
    if top:
        _insert_top(ctx, "\n".join(top))
    owned = ctx.audience.get(HARDWARE)
    if isinstance(owned, list) and owned and hints.hardware and not _author_hardware(ctx):
        _hardware_sections(ctx, hints, frozenset(owned))


def _author_hardware(ctx: Context) -> bool:
    chapter = ctx.chapter
    found = features_of(chapter.id, chapter.source_hash, chapter.source, chapter.front_matter)
    return bool(found.hardware_targets)


def _before_you_start(ctx: Context, hints: ChapterHints) -> str:
    here = own_dir(ctx)
    links: list[str] = []
    for link in hints.prerequisites:
        ref = ctx.library.chapters.get(link.chapter_id)
        if ref is None:
            continue
        target = relative(here, ref.path) + (f"#{link.anchor}" if link.anchor else "")
        links.append(f"[{escape_text(link.term)}]({destination(target)})")
        ctx.plan.added_targets.append(normalizeLink(target))
    if not links:
        return ""
    listed = links[0] if len(links) == 1 else ", ".join(links[:-1]) + " and " + links[-1]
    terms = ", ".join(link.term for link in hints.prerequisites)
    ctx.plan.note(
        "prerequisites", f"Linked where earlier chapters define terms this one uses: {terms}"
    )
    return (
        ":::info[Before you start]\n\nThis chapter uses terms defined earlier in the book: "
        f"{listed}. If any is new to you, read its definition first.\n\n:::\n"
    )


def _key_points(hints: ChapterHints) -> str:
    lines = [
        f"- {point.sentence}" + (f" (*{escape_text(point.heading)}*)" if point.heading else "")
        for point in hints.key_points
    ]
    return ":::tip[Key points]\n\n" + "\n".join(lines) + "\n\n:::\n"


def _insert_top(ctx: Context, text: str) -> None:
    anchor = first_content(ctx.doc.blocks)
    if ctx.audience.get("prerequisites.uncovered"):
        # The author's callout already sits at the top: go just below it.
        text = "\n" + text
    if anchor is None:
        ctx.plan.splices.append(at_end(ctx, text))
    elif anchor.heading is not None and anchor.heading.level == 1:
        ctx.plan.splices.append(Splice.insert_after(anchor, "\n" + text))
    else:
        ctx.plan.splices.append(Splice.insert_before(anchor, text + "\n"))


def _hardware_sections(ctx: Context, hints: ChapterHints, owned: frozenset[str]) -> None:
    mine = [h for h in hints.hardware if h.value in owned]
    if not mine:
        return
    others = {h.anchor: h for h in hints.hardware if h.value not in owned}
    collapsed: list[str] = []
    for siblings in ctx.live_sibling_lists():
        for index, block in enumerate(siblings):
            heading = block.heading
            if heading is None or heading.anchor not in others or ctx.plan.is_dropped(block):
                continue
            hint = others.pop(heading.anchor)
            summary = f"Other setup: {LABELS.get(hint.value, hint.value)}"
            wrapped = False
            for run in runs(ctx, siblings[index + 1 : section_end(siblings, index)]):
                if any(ctx.plan.is_hidden(b.start) for b in run):
                    continue
                ctx.plan.wrap(run[0], run[-1], escape_text(summary))
                wrapped = True
            if wrapped:
                collapsed.append(hint.heading)
    if collapsed:
        quoted = ", ".join(f"'{h}'" for h in collapsed)
        label = describe(frozenset(h.value for h in mine))
        ctx.plan.note(
            "hardware_path", f"Kept the {label} sections open; collapsed {quoted} (other setups)"
        )
