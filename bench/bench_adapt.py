"""Uncached rules adaptation of a ~30 KB chapter, side by side with merely parsing it.

Goal (issue): the median uncached adaptation of a 30 KB chapter is under 20 ms and at most 4x
the time markdown-it-py takes to parse it, measured in the same run.

The chapter is the sample textbook's chapters concatenated in reading order: the first keeps
its front matter, the others lose theirs, MDX imports are hoisted to the top, later H1s become
H2s, and a heading (or explicit `{#id}`) that repeats an earlier one gets a " (part N)" suffix,
so headings and anchors stay unique; everything else (code blocks, admonitions, tables, JSX,
`data-*` annotations, links) is kept byte for byte. The last part is cut at a section boundary
so the result is just over 30,000 bytes.

Measured, interleaved in a shuffled order on every repetition:

- parse: `md.parse(text)` with the configured markdown-it instance the document model uses
  (`tailored.markdown._parser.parser()`: MarkdownIt("commonmark") + table, front matter,
  admonition containers, dollarmath, footnotes, MDX); this is the baseline of the goal;
- parse_blocks / parse_document: the document model's block-only parse, and the whole Document
  (what the adapter and the verifier pay per parse), for context;
- adapt: `adapter.adapt` alone, per profile;
- adapt+verify: `engine.adapt_and_verify`, what an uncached request runs in its worker thread.

"cold" gives every single measurement a source it has never seen (one paragraph carries a
revision number), so no per-source cache can help; "warm" repeats the unmodified chapter.
The garbage collector stays on, as in the server; the full (gen-2) collections that happen
during each mode are counted and timed, since they explain the p90 column.

    .venv/bin/python bench/bench_adapt.py [--repetitions 100]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable

from _common import (
    TEXTBOOK,
    load_textbook,
    machine_line,
    median,
    percentile,
    rules_adapter,
    table,
    textbook_library,
    verdict,
)

from tailored.content.loader import ParsedChapter
from tailored.markdown import parse_document
from tailored.markdown._parser import parse_blocks, parser
from tailored.personalization.adapter import Adapter, ChapterInput, Library
from tailored.personalization.stages import adapt_and_verify
from tailored.profiles.schemas import ProfileData

TARGET_BYTES = 30_000
MEDIAN_GOAL_MS = 20.0
PARSE_RATIO_GOAL = 4.0
PROFILES: dict[str, dict[str, object]] = {
    "beginner/none/gentle/python": {
        "software_level": "beginner",
        "hardware_level": "none",
        "languages": ["python"],
        "hardware_available": ["none"],
        "difficulty_preference": "gentle",
        "role": "student",
        "robotics_experience": "none",
    },
    "intermediate/basic/balanced/python+cpp": {
        "software_level": "intermediate",
        "hardware_level": "basic",
        "languages": ["python", "cpp"],
        "hardware_available": ["rtx_workstation"],
        "difficulty_preference": "balanced",
        "role": "professional",
        "robotics_experience": "hobbyist",
    },
    "advanced/advanced/challenging/cpp": {
        "software_level": "advanced",
        "hardware_level": "advanced",
        "languages": ["cpp"],
        "frameworks": ["ros2", "pytorch"],
        "hardware_domains": ["jetson_edge", "embedded_systems"],
        "hardware_available": ["jetson_kit", "rtx_workstation"],
        "difficulty_preference": "challenging",
        "role": "researcher",
        "robotics_experience": "professional",
    },
    "beginner/advanced-hw/javascript/cloud/ur": {
        "software_level": "beginner",
        "hardware_level": "advanced",
        "languages": ["javascript"],
        "hardware_available": ["cloud"],
        "role": "instructor",
        "preferred_language": "ur",
    },
}
_EXPLICIT_ID_RE = re.compile(r"\{#([^}\s]+)\}\s*$")


def _unique_heading(line: str, part: int, seen_titles: set[str], seen_ids: set[str]) -> str:
    marks, _, rest = line.rstrip("\n").partition(" ")
    explicit = _EXPLICIT_ID_RE.search(rest)
    title = rest[: explicit.start()].rstrip() if explicit else rest
    if title.lower() in seen_titles:
        title = f"{title} (part {part})"
    seen_titles.add(title.lower())
    suffix = ""
    if explicit:
        anchor = explicit.group(1)
        if anchor in seen_ids:
            anchor = f"{anchor}-{part}"
        seen_ids.add(anchor)
        suffix = f" {{#{anchor}}}"
    return f"{marks} {title}{suffix}\n"


def _front_matter_end(lines: list[str]) -> int:
    """Index of the line after the closing `---` of the front matter (0 when there is none)."""
    if not lines or lines[0].rstrip() != "---":
        return 0
    return next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---") + 1


def combined_chapter(chapters: list[ParsedChapter]) -> str:
    """~30 KB of real textbook Markdown/MDX with unique headings (see the module docstring)."""
    seen_titles: set[str] = set()
    seen_ids: set[str] = set()
    imports: dict[str, None] = {}
    pieces: list[str] = []
    size = 0
    for number, chapter in enumerate(chapters, start=1):
        lines = chapter.source.splitlines(keepends=True)
        headings = {s.start_line: s.level for s in chapter.sections if s.level > 0}
        body = _front_matter_end(lines)
        first = min(headings)
        # MDX imports and exports before the first heading are hoisted to the top.
        for line in lines[body:first]:
            if line.startswith(("import ", "export ")):
                imports.setdefault(line, None)
        start = first if number > 1 else body
        # Section boundaries (H2 starts) where a too-long last part may be cut.
        cuts = {line for line, level in headings.items() if level == 2}
        piece: list[str] = []
        for index in range(start, len(lines)):
            if index in cuts and size + len("".join(piece).encode()) >= TARGET_BYTES:
                break
            line = lines[index]
            if number == 1 and index < first and line.startswith(("import ", "export ")):
                continue
            if index in headings:
                if number > 1 and headings[index] == 1:
                    line = "#" + line
                line = _unique_heading(line, number, seen_titles, seen_ids)
            piece.append(line)
        text = "".join(piece).rstrip("\n") + "\n\n"
        pieces.append(text)
        size += len(text.encode())
        if size >= TARGET_BYTES:
            break
    head = chapters[0].source.splitlines(keepends=True)
    front = "".join(head[: _front_matter_end(head)])
    hoisted = "\n" + "".join(imports) if imports else ""
    return front + hoisted + "".join(pieces).rstrip("\n") + "\n"


class GcPauses:
    """Full (generation 2) garbage collections while measuring: they land inside timings."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._started) * 1000)

    def summary(self) -> str:
        if not self.pauses:
            return "no full (gen-2) garbage collections"
        return (
            f"{len(self.pauses)} full (gen-2) garbage collections, median "
            f"{median(self.pauses):.1f} ms, longest {max(self.pauses):.1f} ms, "
            f"{sum(self.pauses):.0f} ms in all ({len(gc.get_objects()):,} tracked objects)"
        )


class Variants:
    """Sources never seen before: one paragraph of the chapter carries a revision number."""

    def __init__(self, base: ChapterInput) -> None:
        self.base = base
        lines = base.source.splitlines(keepends=True)
        heading = next(i for i, line in enumerate(lines) if line.startswith("# "))
        self.paragraph = next(i for i in range(heading + 1, len(lines)) if lines[i].strip())
        self.lines = lines
        self.count = 0

    def fresh(self) -> ChapterInput:
        self.count += 1
        lines = list(self.lines)
        lines[self.paragraph] = lines[self.paragraph].rstrip("\n") + f" Rev. {self.count}.\n"
        source = "".join(lines)
        return ChapterInput(
            self.base.id,
            self.base.title,
            source,
            hashlib.sha256(source.encode()).hexdigest(),
            self.base.front_matter,
        )


def measure(
    adapter: Adapter,
    base: ChapterInput,
    library: Library,
    profiles: dict[str, ProfileData],
    repetitions: int,
    cold: bool,
    rng: random.Random,
) -> dict[str, list[float]]:
    """Milliseconds per measurement name, over `repetitions` shuffled rounds."""
    variants = Variants(base)
    md = parser()
    timings: dict[str, list[float]] = defaultdict(list)

    def source() -> ChapterInput:
        return variants.fresh() if cold else base

    def timed(name: str, work: Callable[[], object]) -> None:
        started = time.perf_counter_ns()
        work()
        timings[name].append((time.perf_counter_ns() - started) / 1e6)

    def parse_task() -> None:
        text = source().source
        timed("parse (markdown-it-py)", lambda: md.parse(text))

    def blocks_task() -> None:
        text = source().source
        timed("parse_blocks (document model)", lambda: parse_blocks(text))

    def document_task() -> None:
        text = source().source
        timed("parse_document (document model)", lambda: parse_document(text))

    tasks: list[Callable[[], None]] = [parse_task, blocks_task, document_task]
    for label, profile in profiles.items():

        def audience_task(profile: ProfileData = profile) -> None:
            chapter = source()
            timed("audience()", lambda: adapter.audience(profile, chapter, library))

        def adapt_task(label: str = label, profile: ProfileData = profile) -> None:
            chapter = source()
            audience = adapter.audience(profile, chapter, library)
            timed(f"adapt | {label}", lambda: adapter.adapt(chapter, audience, library))

        def verify_task(label: str = label, profile: ProfileData = profile) -> None:
            chapter = source()
            audience = adapter.audience(profile, chapter, library)
            timed(
                f"adapt+verify | {label}",
                lambda: adapt_and_verify(adapter, chapter, audience, library),
            )

        tasks += [audience_task, adapt_task, verify_task]
    for task in tasks:  # warm-up: imports, compiled regexes, lazily built parsers
        task()
    timings.clear()
    gc_pauses = GcPauses()
    gc.callbacks.append(gc_pauses)
    try:
        for _ in range(repetitions):
            rng.shuffle(tasks)
            for task in tasks:
                task()
    finally:
        gc.callbacks.remove(gc_pauses)
    print(f"# {'cold' if cold else 'warm'}: {gc_pauses.summary()}")
    return timings


def report(
    title: str, timings: dict[str, list[float]], labels: list[str]
) -> tuple[dict[str, float], dict[str, float]]:
    parse_ms = median(timings["parse (markdown-it-py)"])
    order = [
        "parse (markdown-it-py)",
        "parse_blocks (document model)",
        "parse_document (document model)",
        "audience()",
        *(f"adapt | {label}" for label in labels),
        *(f"adapt+verify | {label}" for label in labels),
    ]
    rows = []
    for name in order:
        values = timings[name]
        rows.append(
            [
                name,
                len(values),
                f"{median(values):.3f}",
                f"{percentile(values, 10):.3f}",
                f"{percentile(values, 90):.3f}",
                f"{median(values) / parse_ms:.2f}x",
            ]
        )
    print(f"\n## {title}\n")
    print(table(["measurement", "n", "median ms", "p10 ms", "p90 ms", "/ parse"], rows))
    adapt_all = [v for label in labels for v in timings[f"adapt | {label}"]]
    verify_all = [v for label in labels for v in timings[f"adapt+verify | {label}"]]
    medians = {"adapt": median(adapt_all), "adapt+verify": median(verify_all)}
    worst = {
        "adapt": max(median(timings[f"adapt | {label}"]) for label in labels),
        "adapt+verify": max(median(timings[f"adapt+verify | {label}"]) for label in labels),
    }
    return {"parse": parse_ms, **medians}, worst


def main() -> int:
    argp = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    argp.add_argument("--repetitions", type=int, default=100)
    argp.add_argument("--seed", type=int, default=20240601)
    args = argp.parse_args()

    chapters, glossary = load_textbook()
    library = textbook_library(chapters, glossary)
    text = combined_chapter(chapters)
    first = chapters[0]
    base = ChapterInput(
        "bench/combined",
        first.title,
        text,
        hashlib.sha256(text.encode()).hexdigest(),
        first.front_matter,
    )
    adapter = rules_adapter()
    profiles = {label: ProfileData.model_validate(data) for label, data in PROFILES.items()}
    labels = list(profiles)

    document = parse_document(text)
    print(f"# {machine_line()}")
    print(f"# adapter {adapter.name}@{adapter.version}; textbook {TEXTBOOK}")
    print(
        f"# chapter: {len(text.encode()):,} bytes, {len(document.lines)} lines, "
        f"{len(document.headings)} headings, {len(document.code)} code blocks"
    )
    for label, profile in profiles.items():
        audience = adapter.audience(profile, base, library)
        outcome = adapt_and_verify(adapter, base, audience, library)
        names = ", ".join(t.name for t in outcome.applied) or "none"
        print(
            f"# {label}: verified={outcome.verified}, "
            f"{len(outcome.content.encode()) - len(text.encode()):+,} bytes, applied: {names}"
        )
        if not outcome.verified:
            print(f"#   issues: {'; '.join(outcome.issues)}")
    print(f"# {args.repetitions} shuffled repetitions per mode, seed {args.seed}")

    rng = random.Random(args.seed)
    cold, cold_worst = report(
        "cold: a new source for every measurement",
        measure(adapter, base, library, profiles, args.repetitions, True, rng),
        labels,
    )
    warm, _ = report(
        "warm: the same source every time",
        measure(adapter, base, library, profiles, args.repetitions, False, rng),
        labels,
    )

    rows = []
    for what in ("adapt", "adapt+verify"):
        ms = cold[what]
        ratio = ms / cold["parse"]
        rows.append(
            [
                f"{what} (cold, all profiles)",
                f"{ms:.2f} ms",
                verdict(ms < MEDIAN_GOAL_MS),
                f"{ratio:.2f}x",
                verdict(ratio <= PARSE_RATIO_GOAL),
                f"{cold_worst[what]:.2f} ms",
            ]
        )
    print("\n## goals (cold medians)\n")
    print(
        table(
            [
                "uncached adaptation",
                "median",
                f"< {MEDIAN_GOAL_MS:.0f} ms",
                "/ parse",
                f"<= {PARSE_RATIO_GOAL:.0f}x",
                "worst profile median",
            ],
            rows,
        )
    )
    print(
        f"\nparse median: cold {cold['parse']:.2f} ms, warm {warm['parse']:.2f} ms; "
        f"adapt median: cold {cold['adapt']:.2f} ms, warm {warm['adapt']:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
