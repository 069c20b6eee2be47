"""The tutor: retrieval and answer quality on the sample textbook, offline answer latency on a
1,000-section book, and time to the first streamed token with a loopback model.

1. Quality: bench/tutor_eval.json holds 51 questions phrased as learners ask them, each with
   its gold chapter and section and key facts (short strings of the gold section). For the
   tutor (FTS5, weighted fields, coverage re-rank) and a plain BM25 over section text (Okapi,
   k1=1.2, b=0.75, lower-cased words, no stemming), measured in the same run: top-1/top-3
   section and chapter hits, MRR over the top 10, and how often the answer holds all the key
   facts (the baseline's answer: the first three sentences of its best section). Ten questions
   the book does not cover show how often each declines rather than guesses.
2. Latency: a synthetic book of 100 chapters x 10 sections; indexing time, then the offline
   answer to 500 questions (p50/p95), beside the BM25 baseline's ranking alone.
3. Time to the first streamed token through the tutor (retrieval, prompt, one model call,
   citation filter) vs the provider's own, with an OpenAI-compatible loopback server that
   answers after a fixed latency.

    .venv/bin/python bench/bench_tutor.py [--latency 0.2] [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import time
from collections import Counter
from collections.abc import Sequence

from _common import ROOT, TEXTBOOK, machine_line, median, percentile, verdict

from tailored.config.tutor import TutorConfig
from tailored.content.loader import load_docs
from tailored.derived.recorder import Recorder
from tailored.kit.db import create_engine, create_sessionmaker
from tailored.llm import ChatMessage, ProviderConfig, build_provider
from tailored.testing import OpenAIServer, ok
from tailored.tutor.answer import extractive, retrieve
from tailored.tutor.engine import Delta, Tutor
from tailored.tutor.index import SectionIndex, SourceChapter, SourceSection
from tailored.tutor.library import TutorLibrary, index_folder
from tailored.tutor.text import WORD_RE, sentences

OFF_TOPIC = [
    "how do I bake sourdough bread?",
    "what is the capital of France?",
    "how do I file my taxes?",
    "who won the football world cup in 2018?",
    "what is the best pasta recipe?",
    "how do I knit a scarf?",
    "how do vaccines train the immune system?",
    "what is the plot of Hamlet?",
    "how do I change a flat tyre on my car?",
    "what is the stock price of Apple today?",
]


class BM25:
    """Plain Okapi BM25 over section text: the baseline."""

    def __init__(self, docs: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.tfs = [Counter(w.lower() for w in WORD_RE.findall(d)) for d in docs]
        self.lengths = [sum(tf.values()) for tf in self.tfs]
        self.avg = sum(self.lengths) / len(docs)
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.k1, self.b = k1, b

    def rank(self, query: str, top: int = 10) -> list[int]:
        terms = [w.lower() for w in WORD_RE.findall(query)]
        scores: list[tuple[float, int]] = []
        for i, tf in enumerate(self.tfs):
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg)
            for t in terms:
                if (f := tf.get(t)) is not None:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            if s > 0:
                scores.append((s, i))
        scores.sort(reverse=True)
        return [i for _s, i in scores[:top]]


def _contains_all(answer: str, facts: Sequence[str]) -> bool:
    flat = " ".join(answer.split()).lower()
    return all(f.lower() in flat for f in facts)


def quality() -> list[str]:
    loaded = load_docs(TEXTBOOK)
    sections = [(c.id, s.anchor, s.text) for c in loaded.chapters for s in c.sections]
    evalset = json.loads((ROOT / "bench" / "tutor_eval.json").read_text())
    index, glossary = index_folder(TEXTBOOK)
    bm25 = BM25([t for _c, _a, t in sections])
    stats = {name: Counter[str]() for name in ("tutor", "bm25")}
    rr: dict[str, float] = {"tutor": 0.0, "bm25": 0.0}
    for item in evalset:
        gold = (item["chapter"], item["anchor"])
        _terms, hits = retrieve(index, item["q"], limit=10, glossary=glossary)
        ours = [(h.chapter_id, h.anchor) for h in hits]
        base = [sections[i][:2] for i in bm25.rank(item["q"])]
        answer = extractive(index, item["q"], glossary=glossary)
        top = base[0] if base else None
        lead = (
            " ".join(sentences(next(t for c, a, t in sections if (c, a) == top))[:3]) if top else ""
        )
        for name, ranked, text in (("tutor", ours, answer.text), ("bm25", base, lead)):
            s = stats[name]
            s["top1"] += ranked[:1] == [gold]
            s["top3"] += gold in ranked[:3]
            s["ch1"] += bool(ranked) and ranked[0][0] == gold[0]
            s["ch3"] += gold[0] in [c for c, _a in ranked[:3]]
            s["facts"] += _contains_all(text, item["facts"])
            rr[name] += 1 / (ranked.index(gold) + 1) if gold in ranked else 0.0
        stats["tutor"]["declined"] += not answer.answered
    declined = sum(not extractive(index, q, glossary=glossary).answered for q in OFF_TOPIC)
    n = len(evalset)

    def pct(v: float) -> str:
        return f"{100 * v / n:.1f} %"

    rows = [
        f"Evaluation set: {n} questions on examples/textbook ({len(sections)} sections), "
        f"plus {len(OFF_TOPIC)} off-topic questions.",
        "",
        "| | top-1 section | top-3 section | top-1 chapter | top-3 chapter | MRR@10 | answer holds all key facts | declined (covered / off-topic) |",  # noqa: E501
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, label in (("tutor", "tutor (FTS5 + coverage)"), ("bm25", "plain BM25 baseline")):
        s = stats[name]
        declines = (
            f"{s['declined']} / {declined} of {len(OFF_TOPIC)}"
            if name == "tutor"
            else f"0 / 0 of {len(OFF_TOPIC)}"
        )
        rows.append(
            f"| {label} | {pct(s['top1'])} | {pct(s['top3'])} | {pct(s['ch1'])} | "
            f"{pct(s['ch3'])} | {rr[name] / n:.3f} | {pct(s['facts'])} | {declines} |"
        )
    rows.append("")
    rows.append(
        f"Goal top-3 chapter >= 95 %: {verdict(stats['tutor']['ch3'] >= 0.95 * n)}; "
        f"answers above the baseline: {verdict(stats['tutor']['facts'] > stats['bm25']['facts'])}"
    )
    index.close()
    return rows


def synthetic_book(seed: int = 7) -> tuple[list[SourceChapter], list[str]]:
    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "qu", "de", "fi"]
    vocab = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(4000)]
    weights = [1 / (i + 1) for i in range(len(vocab))]

    def sentence() -> str:
        return " ".join(rng.choices(vocab, weights, k=rng.randint(8, 18))).capitalize() + "."

    chapters: list[SourceChapter] = []
    questions: list[str] = []
    for c in range(100):
        secs = []
        for s in range(10):
            heading = " ".join(rng.choices(vocab[200:], k=3))
            body = "\n\n".join(" ".join(sentence() for _ in range(4)) for _ in range(3))
            secs.append(SourceSection(s, f"s{s}", heading, f"## {heading}\n\n{body}\n"))
            if rng.random() < 0.5:
                words = WORD_RE.findall(body)
                questions.append("how does " + " ".join(rng.sample(words, 4)) + " work?")
        chapters.append(SourceChapter(f"ch{c:03d}", f"Chapter {c}", f"h{c}", tuple(secs)))
    return chapters, questions[:500]


def latency() -> list[str]:
    chapters, questions = synthetic_book()
    index = SectionIndex()
    started = time.perf_counter()
    index.replace(chapters)
    indexing = time.perf_counter() - started
    ours: list[float] = []
    for q in questions:
        t = time.perf_counter()
        extractive(index, q)
        ours.append((time.perf_counter() - t) * 1000)
    bm25 = BM25([s.text for c in chapters for s in c.sections])
    base: list[float] = []
    for q in questions:
        t = time.perf_counter()
        bm25.rank(q)
        base.append((time.perf_counter() - t) * 1000)
    index.close()
    return [
        f"Synthetic book: {index_size(chapters)} sections; indexing (sections, sentences, FTS5) "
        f"{indexing:.2f} s.",
        "",
        "| 500 questions | p50 | p95 | max |",
        "|---|---|---|---|",
        f"| tutor offline answer (retrieval + sentences) | {median(ours):.1f} ms | "
        f"{percentile(ours, 95):.1f} ms | {max(ours):.1f} ms |",
        f"| plain BM25 ranking alone (pure Python) | {median(base):.1f} ms | "
        f"{percentile(base, 95):.1f} ms | {max(base):.1f} ms |",
        "",
        f"Goal p95 < 50 ms: {verdict(percentile(ours, 95) < 50)}",
    ]


def index_size(chapters: Sequence[SourceChapter]) -> int:
    return sum(len(c.sections) for c in chapters)


async def ttft(latency_s: float, runs: int) -> list[str]:
    server = OpenAIServer()
    server.default = ok("Suction grippers use a vacuum cup [1]. " * 8, delay=latency_s)
    await server.start()
    config = ProviderConfig(
        name="loopback",
        kind="openai",
        base_url=server.base_url,
        model="m",
        api_key="sk-x",
        max_retries=0,
        timeout_s=10,
    )
    provider = build_provider(config)
    index, glossary = index_folder(TEXTBOOK)
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    maker = create_sessionmaker(engine)
    tutor = Tutor(
        TutorConfig(),
        recorder=Recorder(maker),
        sessionmaker=maker,
        llm=provider,
        library=TutorLibrary(index, glossary, follows=False),
    )
    question = "how do I turn a depth pixel back into a 3D point?"
    # The provider alone gets a prompt of the same size: the same four sections.
    _t, hits = retrieve(index, question, limit=4)
    prompt = "\n\n".join(h.text for h in hits) + "\n\nQuestion: " + question
    direct: list[float] = []
    through: list[float] = []
    for _ in range(runs):
        t = time.perf_counter()
        first: float | None = None
        # Each stream is read to its end: the first piece's time is what is measured.
        async for _piece in provider.stream([ChatMessage(role="user", content=prompt)]):
            first = first or time.perf_counter() - t
        direct.append(first or math.nan)
        t, first = time.perf_counter(), None
        async for event in tutor.answer(question):
            if isinstance(event, Delta):
                first = first or time.perf_counter() - t
        through.append(first or math.nan)
    await provider.aclose()
    await server.close()
    await engine.dispose()
    ratio = median(through) / median(direct)
    return [
        f"Loopback OpenAI-compatible server answering after {latency_s * 1000:.0f} ms; "
        f"{runs} runs each, alternating.",
        "",
        "| time to first token | median | p95 |",
        "|---|---|---|",
        f"| provider stream, called directly | {median(direct) * 1000:.1f} ms | "
        f"{percentile(direct, 95) * 1000:.1f} ms |",
        f"| tutor (retrieval, prompt, one call, citation filter) | {median(through) * 1000:.1f} ms"
        f" | {percentile(through, 95) * 1000:.1f} ms |",
        "",
        f"Ratio {ratio:.3f}; goal <= 1.2x: {verdict(ratio <= 1.2)}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(machine_line())
    print("\n## Quality\n")
    print("\n".join(quality()))
    print("\n## Offline latency\n")
    print("\n".join(latency()))
    print("\n## Time to first token\n")
    print("\n".join(asyncio.run(ttft(args.latency, args.runs))))


if __name__ == "__main__":
    main()
