"""Inference on books nobody annotated: effect, verification, glossary, speed and sharing.

Books: the shared corpus (real, un-annotated; read in place, never copied into the project) and
the sample textbook with its annotations stripped (a copy made in a temporary folder at run time:
glossary.yml removed, depth/prerequisite front matter and data-* attributes dropped).
Baseline, measured in the same run: the same adapter with inference switched off.

Figures (issue 8): per book, the share of beginner and advanced runs that change the chapter,
the share of chapters where the two differ, the share of outputs the verifier accepts; mined
terms and recall on the sample textbook's own glossary; a deterministic sample of 50 mined
definitions for judging by hand (--sample); inference time on a 100-chapter book; median
uncached adaptation of a 30 KB chapter; cache sharing over 10,000 synthetic learners.

    .venv/bin/python bench/bench_inference.py [--corpus ../shared/corpus] [--sample]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import TEXTBOOK, machine_line, rules_adapter

from tailored.content.glossary import parse_glossary
from tailored.content.loader import load_docs
from tailored.inference import InferenceConfig, infer_book
from tailored.markdown import verify_structure
from tailored.personalization.adapter import ChapterInput, Library
from tailored.personalization.library import library_from
from tailored.personalization.stages import adapt_and_verify
from tailored.profiles.schemas import ProfileData

OFF = InferenceConfig(enabled=frozenset())
PROFILES = {
    "beginner": {
        "software_level": "beginner",
        "languages": ["python"],
        "hardware_level": "none",
        "hardware_available": ["none"],
        "robotics_experience": "none",
        "difficulty_preference": "gentle",
    },
    "intermediate": {
        "software_level": "intermediate",
        "languages": ["c++"],
        "hardware_level": "basic",
        "hardware_available": ["cloud"],
        "difficulty_preference": "balanced",
    },
    "advanced": {
        "software_level": "advanced",
        "languages": ["c++", "python"],
        "hardware_level": "advanced",
        "hardware_available": ["jetson_kit"],
        "difficulty_preference": "challenging",
    },
}
_ATTRIBUTE_RE = re.compile(r"""\s+data-(?:audience|hardware|depth|summary)=(?:"[^"]*"|'[^']*')""")
_FM_KEYS_RE = re.compile(
    r"^(?:advanced_sections|beginner_sections|prerequisites|skills):.*(?:\n[ \t]+-.*)*\n",
    re.MULTILINE,
)


def stripped_textbook(into: Path) -> Path:
    docs = into / "textbook"
    shutil.copytree(TEXTBOOK, docs, ignore=shutil.ignore_patterns("i18n"))
    (docs / "glossary.yml").unlink(missing_ok=True)
    for path in [*docs.rglob("*.md"), *docs.rglob("*.mdx")]:
        text = path.read_text(encoding="utf-8")
        path.write_text(_ATTRIBUTE_RE.sub("", _FM_KEYS_RE.sub("", text)), encoding="utf-8")
    return docs


def _inputs(docs: Path) -> tuple[list[ChapterInput], Library, Library]:
    loaded = load_docs(docs)
    chapters = [
        ChapterInput(c.id, c.title, c.source, c.source_hash, c.front_matter)
        for c in loaded.chapters
    ]
    on = library_from((), loaded.chapters, docs_root=docs)
    off = library_from((), loaded.chapters, infer_book(loaded.chapters, config=OFF))
    return chapters, on, off


def effect(docs: Path) -> dict[str, dict[str, float]]:
    adapter = rules_adapter()
    chapters, on, off = _inputs(docs)
    profiles = {name: ProfileData.model_validate(p) for name, p in PROFILES.items()}
    figures: dict[str, dict[str, float]] = {}
    for label, lib in (("inference", on), ("baseline", off)):
        changed = dict.fromkeys(profiles, 0)
        verified = differ = 0
        for chapter in chapters:
            outputs: dict[str, str] = {}
            for name, profile in profiles.items():
                audience = adapter.audience(profile, chapter, lib)
                outcome = adapt_and_verify(adapter, chapter, audience, lib)
                verified += outcome.verified
                outputs[name] = outcome.content
                changed[name] += outcome.content != chapter.source
            differ += outputs["beginner"] != outputs["advanced"]
        n = max(len(chapters), 1)
        figures[label] = {
            **{name: 100 * count / n for name, count in changed.items()},
            "differ": 100 * differ / n,
            "verified": 100 * verified / (n * len(profiles)),
            "chapters": len(chapters),
        }
    return figures


def recall(stripped: Path) -> tuple[int, int, list[str]]:
    """How many of the sample textbook's own glossary terms inference mines from the text."""
    own = parse_glossary((TEXTBOOK / "glossary.yml").read_text(encoding="utf-8"))
    book = infer_book(load_docs(stripped).chapters, docs_root=stripped)
    mined = {name.casefold() for t in book.glossary for name in (t.term, *t.aliases)}
    found = [t.term for t in own if {n.casefold() for n in (t.term, *t.aliases)} & mined]
    return len(found), len(own), found


def sample(corpus: Path, stripped: Path, size: int = 50, seed: int = 8) -> list[Any]:
    terms: list[tuple[str, Any]] = []
    for docs in [corpus / "textbook-a" / "docs", corpus / "textbook-b" / "docs", stripped]:
        book = infer_book(load_docs(docs).chapters, docs_root=docs)
        terms.extend((docs.parent.name if docs != stripped else "sample", t) for t in book.glossary)
    random.Random(seed).shuffle(terms)
    return terms[:size]


def hundred_chapters(into: Path, corpus: Path) -> float:
    """Load and infer a 100-chapter book built from the corpus chapters (ids renamed)."""
    sources = sorted((corpus / "textbook-a" / "docs").rglob("*.md"))
    docs = into / "hundred"
    for n in range(100):
        target = docs / f"part-{n // 10}" / f"{n:03d}-{sources[n % len(sources)].stem}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sources[n % len(sources)].read_text(encoding="utf-8"), encoding="utf-8")
    start = time.perf_counter()
    loaded = load_docs(docs)
    infer_book(loaded.chapters, docs_root=docs)
    return time.perf_counter() - start


def adapt_30kb(corpus: Path) -> dict[str, float]:
    """Median uncached adaptation (audience, adapt, verify) of a ~30 KB chapter."""
    docs = corpus / "textbook-a" / "docs"
    loaded = load_docs(docs)
    chapter = min(loaded.chapters, key=lambda c: abs(len(c.source.encode()) - 30_000))
    text = chapter.source
    adapter = rules_adapter()
    out: dict[str, float] = {"bytes": len(text.encode())}
    for label, lib in (
        ("inference", library_from((), loaded.chapters, docs_root=docs)),
        ("baseline", library_from((), loaded.chapters, infer_book(loaded.chapters, config=OFF))),
    ):
        source = ChapterInput(chapter.id, chapter.title, text, chapter.source_hash, {})
        profile = ProfileData.model_validate(PROFILES["beginner"])
        times = []
        for _ in range(30):
            start = time.perf_counter()
            audience = adapter.audience(profile, source, lib)
            result = adapter.adapt(source, audience, lib)
            verify_structure(text, result.content, allowed_added_targets=result.added_targets)
            times.append(1000 * (time.perf_counter() - start))
        out[label] = statistics.median(times)
    return out


def sharing(docs: Path, learners: int = 10_000, seed: int = 7) -> tuple[float, float]:
    """Hit rate of audience keys over synthetic learners opening every chapter of the book."""
    adapter = rules_adapter()
    chapters, on, _ = _inputs(docs)
    rng = random.Random(seed)
    seen: set[tuple[str, str]] = set()
    naive: set[tuple[str, str]] = set()
    requests = 0
    for n in range(learners):
        profile = ProfileData.model_validate(
            {
                "software_level": rng.choice(["beginner", "intermediate", "advanced"]),
                "hardware_level": rng.choice(["none", "basic", "advanced"]),
                "languages": rng.sample(["python", "c++", "rust", "javascript"], rng.randint(0, 2)),
                "hardware_available": [
                    rng.choice(["none", "cloud", "jetson_kit", "rtx_workstation"])
                ],
                "difficulty_preference": rng.choice(["gentle", "balanced", "challenging"]),
                "role": rng.choice(["student", "researcher", "professional"]),
                "interests": [f"topic-{rng.randint(0, 500)}"],
            }
        )
        for chapter in rng.sample(chapters, min(10, len(chapters))):
            requests += 1
            audience = adapter.audience(profile, chapter, on)
            seen.add((chapter.id, repr(sorted(audience.items()))))
            naive.add((chapter.id, f"{n}"))
    return 1 - len(seen) / requests, 1 - len(naive) / requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    parser.add_argument("--sample", action="store_true", help="print 50 mined definitions")
    parser.add_argument("--learners", type=int, default=10_000)
    args = parser.parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        stripped = stripped_textbook(Path(tmp))
        books = {
            "textbook-a": args.corpus / "textbook-a" / "docs",
            "textbook-b": args.corpus / "textbook-b" / "docs",
            "sample (stripped)": stripped,
        }
        print("\nbook | chapters | beginner changed | intermediate | advanced | differ | verified")
        for name, docs in books.items():
            for label, f in effect(docs).items():
                print(
                    f"{name} [{label}] | {f['chapters']:.0f} | {f['beginner']:.0f}% | "
                    f"{f['intermediate']:.0f}% | {f['advanced']:.0f}% | {f['differ']:.0f}% | "
                    f"{f['verified']:.0f}%"
                )
        found, total, names = recall(stripped)
        print(f"\nrecall on the sample textbook's glossary: {found}/{total} ({', '.join(names)})")
        seconds = hundred_chapters(Path(tmp), args.corpus)
        print(f"inference on a 100-chapter book (load + infer): {seconds:.2f} s")
        timing = adapt_30kb(args.corpus)
        print(
            f"uncached adaptation of a {timing['bytes'] / 1000:.0f} KB chapter, median: "
            f"{timing['inference']:.1f} ms with inference, {timing['baseline']:.1f} ms without"
        )
        hit, naive = sharing(books["textbook-a"], args.learners)
        print(
            f"cache sharing over {args.learners} learners: {100 * hit:.1f}% "
            f"(naive key {100 * naive:.1f}%)"
        )
        if args.sample:
            print("\nsample of 50 mined definitions:")
            for n, (book, term) in enumerate(sample(args.corpus, stripped), 1):
                print(f"{n}. [{book}] {term.term} — {term.definition} ({term.evidence})")


if __name__ == "__main__":
    main()
