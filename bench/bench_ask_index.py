"""`tailored ask`'s kept index: the cost of getting an index of a docs folder, per run.

A synthetic book (chapters x sections of generated prose, files dated an hour ago) in a
temporary folder. Measured in the same run, median of `--runs`:

- baseline: the index built in memory every run (what `ask` did before it kept one);
- kept, first run: built into the file beside the folder;
- kept, nothing changed: the folder's stamp (names, sizes, times) matches, nothing is read;
- kept, files touched: every file read and parsed, no chapter indexed again;
- kept, one chapter edited: read, that chapter indexed again.

    .venv/bin/python bench/bench_ask_index.py [--chapters 100] [--sections 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import machine_line, median, table

from tailored.tutor.library import index_folder

WORDS = (
    "robot joint sensor camera depth torque planner controller message topic node frame "
    "gripper battery simulation policy model latency network calibration trajectory"
).split()


def write_book(root: Path, chapters: int, sections: int) -> None:
    rng = random.Random(7)
    for c in range(chapters):
        parts = [f"# Chapter {c}\n"]
        for s in range(sections):
            sentences = [
                " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(8)
            ]
            parts.append(f"## Section {c}.{s}\n\n" + " ".join(sentences) + "\n")
        (root / f"chapter-{c:03}.md").write_text("\n".join(parts), encoding="utf-8")
    age(root)


def age(root: Path) -> None:
    hour_ago = time.time() - 3600
    for path in root.iterdir():
        os.utime(path, (hour_ago, hour_ago))


def timed(run: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapters", type=int, default=100)
    parser.add_argument("--sections", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        write_book(docs, args.chapters, args.sections)
        kept = Path(tmp) / ".tailored-index.sqlite"

        def once(path: Path | None) -> None:
            index, _glossary = index_folder(docs, path)
            index.close()

        def first() -> None:
            kept.unlink(missing_ok=True)
            once(kept)

        def touched() -> None:
            age(docs)  # new times, same content: the stamp no longer matches
            once(kept)

        edits = iter(range(10_000))

        def edited() -> None:
            page = docs / "chapter-000.md"
            page.write_text(page.read_text("utf-8") + f"\nEdit {next(edits)}.\n", "utf-8")
            once(kept)

        rows = [
            ("baseline: in memory every run", timed(lambda: once(None), args.runs)),
            ("kept, first run", timed(first, args.runs)),
            ("kept, nothing changed", timed(lambda: once(kept), args.runs)),
            ("kept, files touched", timed(touched, args.runs)),
            ("kept, one chapter edited", timed(edited, args.runs)),
        ]
    print(f"{args.chapters} chapters x {args.sections} sections, median of {args.runs} runs")
    base = rows[0][1]
    print(
        table(
            ["index for one `ask`", "ms", "speed-up vs baseline"],
            [(name, f"{ms:.1f}", f"{base / ms:.2f}x") for name, ms in rows],
        )
    )


if __name__ == "__main__":
    main()
