"""A real Docusaurus book (the public textbook in ../shared/corpus): the sidebar in the order of
its sidebars.js with its category labels, every chapter's internal links landing on chapters of
the reader, and no MDX props on the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tailored.content.sidebars_file import Category, read_sidebars
from tests.e2e.checks import assert_no_horizontal_overflow
from tests.e2e.conftest import REPO, Server, shot, start_server

BOOK = REPO.parent / "shared" / "corpus" / "textbook-a" / "docs"
# What a leaked prop looks like in text: `name={...}`, `name="..."` or `emojiPrefix:`.
LEAK_RE = re.compile(r"\b[a-z]+[A-Z]\w*\s*[:=]\s*[\"'{]|\b(emojiPrefix|isDefinitive)\b")


@pytest.fixture(scope="module")
def book_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    assert BOOK.is_dir(), f"{BOOK} is missing (CI has ../shared/corpus next to the clone)"
    process, server = start_server(tmp_path_factory.mktemp("e2e-book"), BOOK)
    yield server
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def book_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _labels(items: tuple[object, ...]) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, Category):
            out.append(item.label)
            out += _labels(item.items)
    return out


def test_sidebar_order_links_and_no_leaked_props(book_page: Page, book_server: Server) -> None:
    nav = read_sidebars(Path(book_server.content))
    assert nav is not None
    expected = nav.doc_order()
    page = book_page
    page.goto(f"{book_server.url}/reader")
    expect(page.locator("#content h1")).to_be_visible()
    shown = page.eval_on_selector_all("#nav-tree a[data-id]", "as => as.map(a => a.dataset.id)")
    assert list(dict.fromkeys(shown)) == expected
    categories = page.eval_on_selector_all("#nav-tree .cat", "bs => bs.map(b => b.textContent)")
    assert categories == [label for s in nav.sidebars for label in _labels(s.items)]
    shot(page, "book-sidebar")

    known = {c["id"] for c in httpx.get(f"{book_server.url}/api/chapters").json()}
    assert set(expected) <= known
    for chapter_id in expected:
        page.goto(f"{book_server.url}/reader#{chapter_id}")
        expect(page.locator("#nav-tree a[aria-current=page]")).to_have_attribute(
            "data-id", chapter_id
        )
        expect(page.locator("#content")).not_to_have_attribute("aria-busy", "true")
        expect(page.locator("#content > *").first).to_be_visible()
        # Prose only: code blocks may hold `name: 'value'` as the author wrote it.
        text = page.evaluate(
            "() => { const c = document.getElementById('content').cloneNode(true);"
            " c.querySelectorAll('pre, code').forEach(e => e.remove()); return c.textContent; }"
        )
        assert not LEAK_RE.search(text), (chapter_id, LEAK_RE.search(text))
        hrefs = page.eval_on_selector_all(
            "#content a[href]", "as => as.map(a => a.getAttribute('href'))"
        )
        for href in hrefs:
            assert not href.startswith("/docs"), (chapter_id, href)
            assert not re.search(r"\.mdx?(#|$)", href), (chapter_id, href)  # resolved to a chapter
            if href.startswith("#") and not href.startswith("#/"):
                target = href[1:].split(":", 1)[0]
                assert target in known, (chapter_id, href)
    assert_no_horizontal_overflow(page)


def test_following_a_relative_link_opens_the_chapter(book_page: Page, book_server: Server) -> None:
    page = book_page
    page.goto(f"{book_server.url}/reader#module-4/4.2-locomotion-manipulation/index")
    link = page.locator("#content a", has_text="Bipedal Walking").first
    link.click()
    expect(page.locator("#nav-tree a[aria-current=page]")).to_have_attribute(
        "data-id", "module-4/4.2-locomotion-manipulation/bipedal-walking"
    )
    # Previous/next follow the sidebar order.
    expect(page.locator("#pager a.prev")).to_be_visible()
    expect(page.locator("#pager a.next")).to_be_visible()
