"""Code language without tabs: the same sample in several languages, one fence after another.

Consecutive fenced code blocks (only blank lines between them) whose info strings name
different programming languages are taken as equivalent versions. The learner's language comes
first and stays open; each other version collapses into `<details>` ("Same in C++"). The code
itself is moved, never changed, and no heading moves.
"""

from __future__ import annotations

from tailored.markdown import Block
from tailored.personalization.rules.audience import TAB_LANGUAGE
from tailored.personalization.rules.context import Context
from tailored.personalization.rules.edits import Lines, Move, Part, details_lines, indentation
from tailored.personalization.rules.languages import NOT_PROGRAMS as _NOT_PROGRAMS
from tailored.personalization.rules.languages import canonical_language

NAME = "code_language"
_LABELS = {"cpp": "C++", "csharp": "C#", "javascript": "JavaScript", "typescript": "TypeScript"}


def _language(block: Block) -> str | None:
    if block.kind != "fence" or not block.code:
        return None
    words = block.code[0].info.split()
    language = canonical_language(words[0]) if words else None
    return None if language in _NOT_PROGRAMS else language


def _groups(ctx: Context) -> list[list[tuple[Block, str]]]:
    found: list[list[tuple[Block, str]]] = []
    for siblings in ctx.live_sibling_lists():
        run: list[tuple[Block, str]] = []
        for block in [*siblings, None]:
            if block is not None and block.kind == "blank":
                continue
            language = _language(block) if block is not None else None
            if block is not None and language and not ctx.plan.is_dropped(block):
                run.append((block, language))
                continue
            if len(run) >= 2 and len({lang for _, lang in run}) == len(run):
                found.append(run)
            run = []
    return found


def apply(ctx: Context) -> None:
    chosen = ctx.audience.get(TAB_LANGUAGE)
    if not isinstance(chosen, str):
        return
    groups = 0
    for run in _groups(ctx):
        if all(lang != chosen for _, lang in run):
            continue
        if any(ctx.plan.is_hidden(block.start) for block, _ in run):
            continue
        mine = next(block for block, lang in run if lang == chosen)
        parts: list[Part] = [Lines.of(mine)]
        for block, lang in run:
            if block is mine:
                continue
            opening, closing = details_lines(f"Same in {_label(lang)}", indentation(block))
            parts.extend(("\n", opening, Lines.of(block), closing))
            ctx.plan.hidden.append((block.start, block.end))
        ctx.plan.moves.append(Move(run[0][0].start, run[-1][0].end, tuple(parts)))
        groups += 1
    if groups:
        where = "1 place" if groups == 1 else f"{groups} places"
        ctx.plan.note(
            NAME, f"Showed the {_label(chosen)} version first in {where}; other languages collapsed"
        )


def _label(language: str) -> str:
    return _LABELS.get(language, language.capitalize())
