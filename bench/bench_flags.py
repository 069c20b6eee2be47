"""Feature-flag evaluation: OFREP over HTTP against in-process evaluation, and bucketing.

1. A real `tailored serve` (SQLite, in-process cache) with three flags made by `tailored flags
   create`. OpenFeature's own OFREP provider (openfeature-provider-ofrep, `requests` keep-alive)
   evaluates a 10 % rollout flag for distinct learners, one evaluation at a time: p50/p99 per
   evaluation, end to end. The bulk endpoint likewise. Baseline in the same run: the same
   evaluations in-process, through the OpenFeature SDK with Tailored's provider, and the bare
   rules function.
2. Bucketing: 100,000 random learner ids through the evaluation the server runs, for rollouts of
   1, 10, 33 and 50 %: the share each variant got against its target (goal: within ±2 points),
   and agreement between HTTP and in-process answers on a sample.

    .venv/bin/python bench/bench_flags.py [--evaluations 2000] [--learners 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable

import httpx
from _common import ROOT, machine_line, percentile, verdict
from _server import Server
from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.flags.book import FlagBook
from tailored.flags.provider import TailoredProvider
from tailored.flags.rules import FlagDef, evaluate
from tailored.kit.db import create_engine, create_sessionmaker

FLAGS = [
    ["rollout-10", "--rollout", "on=10", "--rollout", "off=90"],
    ["rollout-1", "--rollout", "on=1", "--rollout", "off=99"],
    ["rollout-50", "--rollout", "on=50", "--rollout", "off=50"],
    ["three-way", "--variant", 'a="A"', "--variant", 'b="B"', "--variant", 'c="C"',
     "--rollout", "a=34", "--rollout", "b=33", "--rollout", "c=33"],
]  # fmt: skip


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def row(name: str, ms: list[float]) -> str:
    return (
        f"| {name} | {len(ms)} | {percentile(ms, 50):.3f} | {percentile(ms, 99):.3f} "
        f"| {percentile(ms, 100):.2f} |"
    )


async def load_book(url: str) -> tuple[FlagBook, async_sessionmaker[AsyncSession]]:
    maker = create_sessionmaker(create_engine(url))
    book = FlagBook(maker, refresh_seconds=3600)
    await book.current()
    return book, maker


def latency(server: Server, book: FlagBook, n: int) -> list[str]:
    domain_http, domain_local = "ofrep", "local"
    api.set_provider(OFREPProvider(server.base, timeout=5), domain_http)
    api.set_provider(TailoredProvider(book), domain_local)
    remote, local = api.get_client(domain_http), api.get_client(domain_local)
    keys = iter([str(uuid.uuid4()) for _ in range(3 * n + 200)])
    for _ in range(200):  # warm the connection and the server
        remote.get_boolean_value("rollout-10", False, EvaluationContext(next(keys)))

    def via_ofrep() -> None:
        details = remote.get_boolean_details("rollout-10", False, EvaluationContext(next(keys)))
        assert details.error_code is None, details.error_message

    def via_sdk() -> None:
        local.get_boolean_value("rollout-10", False, EvaluationContext(next(keys)))

    flag: FlagDef = book.snapshot["rollout-10"]
    bulk = httpx.Client(base_url=server.base)

    def via_bulk() -> None:
        body = {"context": {"targetingKey": str(uuid.uuid4())}}
        assert bulk.post("/ofrep/v1/evaluate/flags", json=body).status_code == 200

    results = [
        row("OFREP single flag, OpenFeature OFREP provider over HTTP", timed(via_ofrep, n)),
        row(f"OFREP bulk ({len(FLAGS)} flags), httpx over HTTP", timed(via_bulk, n // 2)),
        row("baseline: in-process, OpenFeature SDK + TailoredProvider", timed(via_sdk, n)),
        row("baseline: in-process, rules.evaluate alone", timed(
            lambda: evaluate(flag, {}, next(keys)), n)),
    ]  # fmt: skip
    bulk.close()
    return results


def bucketing(server: Server, book: FlagBook, learners: int) -> tuple[list[str], bool]:
    ids = [str(uuid.uuid4()) for _ in range(learners)]
    lines, ok = [], True
    for key in ("rollout-1", "rollout-10", "rollout-50", "three-way"):
        flag = book.snapshot[key]
        counts: dict[str, int] = {}
        for learner in ids:
            variant = evaluate(flag, {}, learner).variant
            counts[variant] = counts.get(variant, 0) + 1
        for variant, target in (flag.rollout or {}).items():
            share = 100 * counts.get(variant, 0) / learners
            good = abs(share - target) <= 2
            ok &= good
            lines.append(
                f"| {key} | {variant} | {target:g} % | {share:.2f} % | {share - target:+.2f} "
                f"| {verdict(good)} |"
            )
    # The server answers exactly what in-process evaluation answers.
    sample = ids[:2000]
    with httpx.Client(base_url=server.base) as client:
        agree = sum(
            client.post(
                "/ofrep/v1/evaluate/flags/rollout-10", json={"context": {"targetingKey": k}}
            ).json()["variant"]
            == evaluate(book.snapshot["rollout-10"], {}, k).variant
            for k in sample
        )
    lines.append(f"\nHTTP and in-process agree on {agree} of {len(sample)} learners")
    return lines, ok and agree == len(sample)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=2000)
    parser.add_argument("--learners", type=int, default=100_000)
    args = parser.parse_args()
    print(machine_line())
    server = Server(1, "warning", None, "memory://")
    try:
        asyncio.run(server.wait_ready())
        env = {**os.environ, "TAILORED_DATABASE_URL": server.database_url}
        tailored = str(ROOT / ".venv" / "bin" / "tailored")
        for flag in FLAGS:
            subprocess.run([tailored, "flags", "create", *flag], env=env, check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        time.sleep(2.5)  # the server reloads definitions every flags.refresh_seconds (2 s)
        book, _maker = asyncio.run(load_book(server.database_url))
        print("\n## Evaluation latency (ms), one at a time\n")
        print("| path | evaluations | p50 | p99 | max |\n|---|---|---|---|---|")
        for line in latency(server, book, args.evaluations):
            print(line)
        print(f"\n## Bucketing over {args.learners:,} learners (goal: within ±2 points)\n")
        print("| flag | variant | target | got | difference | |\n|---|---|---|---|---|---|")
        lines, ok = bucketing(server, book, args.learners)
        for line in lines:
            print(line)
        print(f"\n{verdict(ok)}: bucketing within ±2 points, HTTP equals in-process")
        return 0 if ok else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
