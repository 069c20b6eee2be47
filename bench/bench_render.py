"""The reader's HTML render of a very large chapter: does the event loop stay free?

Builds a chapter of `--mb` megabytes from the sample textbook and prints:

- how long one render takes (`render_html`, the same work either way);
- the event loop's longest stall while that render runs on the loop (the old call sites) and
  while `render_html_async` runs it in a worker thread: a ticker coroutine sleeping 1 ms
  records the largest gap between its wake-ups;
- how long a second `render_html_async` of the same text takes (a cache hit: one hash).

    .venv/bin/python bench/bench_render.py [--mb 5]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from _common import TEXTBOOK

from tailored.markdown.render import render_cache_clear, render_html, render_html_async


def big_chapter(megabytes: float) -> str:
    parts = [p.read_text(encoding="utf-8") for p in sorted(TEXTBOOK.glob("*/*.md*"))]
    unit = "\n\n".join(parts)
    return unit * max(1, int(megabytes * 1_000_000 / len(unit)))


async def longest_stall(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(seconds `work` took, longest gap in seconds between 1 ms ticks meanwhile)."""
    done = asyncio.Event()
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await work()
    took = time.perf_counter() - started
    done.set()
    await task
    return took, max(gaps)


async def main(megabytes: float) -> None:
    text = big_chapter(megabytes)
    print(f"chapter: {len(text) / 1e6:.1f} MB")

    async def on_loop() -> object:
        return render_html(text)

    took, stall = await longest_stall(on_loop)
    print(f"render on the loop:       {took:6.2f} s, longest loop stall {stall * 1000:8.1f} ms")
    render_cache_clear()
    took, stall = await longest_stall(lambda: render_html_async(text))
    print(f"render_html_async (miss): {took:6.2f} s, longest loop stall {stall * 1000:8.1f} ms")
    took, stall = await longest_stall(lambda: render_html_async(text))
    print(f"render_html_async (hit):  {took:6.3f} s, longest loop stall {stall * 1000:8.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="chapter size in megabytes")
    asyncio.run(main(parser.parse_args().mb))
