"""Page weight of the reader: bytes transferred for one chapter view, first and repeat visit.

A real server (`tailored serve --content examples/textbook`, SQLite) and headless Chromium
(`/usr/bin/chromium`, driven by Playwright). Chromium's own network log (DevTools protocol,
`encodedDataLength`: bytes on the wire, headers included) is summed per request kind.

- first visit: a fresh browser profile opens `/reader#CHAPTER` and waits until the chapter is on
  the page and the network is idle;
- repeat visit: a second tab of the same profile opens the same address (the browser revalidates
  the page's files with their ETags: 304s, headers only; the API's JSON is fetched again);
- Urdu: the same chapter in Urdu in a fresh profile (the bundled font is fetched).

Baseline, same run: the chapter's own HTML as the API returns it (GET /api/chapters/ID/html),
what any front end must fetch to show the chapter.

    .venv/bin/python bench/bench_page_weight.py [--chapter ros2/nodes-and-topics]
"""

from __future__ import annotations

import argparse
import asyncio
from collections import defaultdict
from typing import Any

import httpx
from _common import machine_line, table
from _server import Server
from playwright.sync_api import Browser, BrowserContext, sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _kind(url: str) -> str:
    if "/reader/static/fonts/" in url:
        return "fonts"
    if "/reader/static/" in url or url.endswith("/reader"):
        return "page (HTML, JS, CSS)"
    return "API (JSON)"


def visit(context: BrowserContext, url: str, lang: str | None = None) -> dict[str, Any]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(url)
    page.wait_for_selector("#content h1")
    if lang:
        page.select_option("#lang", lang)
        page.wait_for_selector(f"#content[lang={lang}]")
        page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    by_kind: dict[str, float] = defaultdict(float)
    for request_id, size in sizes.items():
        by_kind[_kind(urls.get(request_id, ""))] += size
    page.close()
    return {"kinds": dict(by_kind), "requests": len(sizes)}


def kb(n: float) -> str:
    return f"{n / 1024:.1f}"


def measure(browser: Browser, base: str, chapter: str) -> list[tuple[str, dict[str, Any]]]:
    url = f"{base}/reader#{chapter}"
    first_profile = browser.new_context()
    first = visit(first_profile, url)
    repeat = visit(first_profile, url)
    first_profile.close()
    urdu_profile = browser.new_context()
    urdu = visit(urdu_profile, f"{base}/reader#intro", lang="ur")
    urdu_profile.close()
    return [("first visit", first), ("repeat visit", repeat), ("first visit, intro in Urdu", urdu)]


async def start(server: Server) -> None:
    await server.wait_ready()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapter", default="ros2/nodes-and-topics")
    args = parser.parse_args()
    server = Server(workers=1, log_level="warning", database_url=None, cache_url="memory://")
    try:
        asyncio.run(start(server))
        baseline = httpx.get(f"{server.base}/api/chapters/{args.chapter}/html")
        baseline.raise_for_status()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            results = measure(browser, server.base, args.chapter)
            browser.close()
    finally:
        server.stop()
    print(machine_line())
    print(f"chapter: {args.chapter}; sizes in KB transferred (headers included)\n")
    kinds = ["page (HTML, JS, CSS)", "API (JSON)", "fonts"]
    rows = [
        [
            name,
            r["requests"],
            *(kb(r["kinds"].get(k, 0)) for k in kinds),
            kb(sum(r["kinds"].values())),
        ]
        for name, r in results
    ]
    rows.append(
        [
            "baseline: the chapter's HTML alone (API)",
            1,
            "",
            kb(len(baseline.content)),
            "",
            kb(len(baseline.content)),
        ]
    )
    print(table(["view", "requests", *kinds, "total"], rows))


if __name__ == "__main__":
    main()
