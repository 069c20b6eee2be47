"""Prerequisites: a "Before you start" callout linking to chapters the learner may lack.

Front matter `prerequisites: [doc id, …]` names them; the audience already holds the ones
this profile does not cover. The callout goes right under the chapter's `# Title` (or before
the first content when there is none) and links by relative file path, which Docusaurus
resolves to the right URL in every version and locale of the site.
"""

from __future__ import annotations

import posixpath

from markdown_it.common.normalize_url import normalizeLink

from tailored.markdown import Block, Splice
from tailored.personalization.adapter import ChapterRef
from tailored.personalization.rules.audience import UNCOVERED
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.markup import escape_text

NAME = "prerequisites"
_PREAMBLE_KINDS = frozenset({"front_matter", "import", "export", "blank"})


def apply(ctx: Context) -> None:
    ids = ctx.audience.get(UNCOVERED)
    if not isinstance(ids, list):
        return
    refs = [ctx.library.chapters[pid] for pid in ids if pid in ctx.library.chapters]
    if not refs:
        return
    here = own_dir(ctx)
    links: list[str] = []
    for ref in refs:
        target = relative(here, ref.path)
        links.append(f"[{escape_text(ref.title)}]({destination(target)})")
        ctx.plan.added_targets.append(normalizeLink(target))
    callout = _callout(links)
    anchor = first_content(ctx.doc.blocks)
    if anchor is None:
        ctx.plan.splices.append(at_end(ctx, callout))
    elif anchor.heading is not None and anchor.heading.level == 1:
        ctx.plan.splices.append(Splice.insert_after(anchor, "\n" + callout))
    else:
        ctx.plan.splices.append(Splice.insert_before(anchor, callout + "\n"))
    titles = ", ".join(ref.title for ref in refs)
    ctx.plan.note(NAME, f"Linked {len(refs)} prerequisite chapter(s) to read first: {titles}")


def _callout(links: list[str]) -> str:
    if len(links) == 1:
        listed, advice = links[0], "If it is new to you, read it first."
    else:
        listed = ", ".join(links[:-1]) + " and " + links[-1]
        advice = "If they are new to you, read them first."
    return f":::info[Before you start]\n\nThis chapter builds on {listed}. {advice}\n\n:::\n"


def first_content(blocks: tuple[Block, ...]) -> Block | None:
    """The first content block (the title heading, usually)."""
    return next((b for b in blocks if b.kind not in _PREAMBLE_KINDS), None)


def at_end(ctx: Context, callout: str) -> Splice:
    lines = ctx.doc.lines
    last = lines[-1] if lines else ""
    lead = "" if not last or last.endswith(("\n", "\r")) else "\n"
    return Splice(len(lines), len(lines), lead + "\n" + callout)


def own_dir(ctx: Context) -> str:
    ref: ChapterRef | None = ctx.library.chapters.get(ctx.chapter.id)
    # Without our own path, the doc id's folder is the best guess (ids mirror folders).
    path = ref.path if ref is not None else ctx.chapter.id
    return posixpath.dirname(path)


def relative(here: str, path: str) -> str:
    relative = posixpath.relpath(path, here or ".")
    return relative if relative.startswith("../") else "./" + relative


def destination(target: str) -> str:
    return f"<{target}>" if any(c in target for c in " ()<>") else target
