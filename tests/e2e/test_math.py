"""A chapter with TeX math shows MathML that Chromium lays out natively (no script, strict CSP)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.checks import assert_no_horizontal_overflow
from tests.e2e.conftest import Server, shot, start_server

CHAPTER = """---
title: Rigid Bodies
---

# Rigid Bodies

A solid cylinder of mass $m$ and radius $r$ has $I_z = \\frac{1}{2} m r^2$ about its axis.

$$
\\tau = I \\alpha = \\sum_{i=1}^{n} r_i \\times F_i
$$

An unreadable formula stays as text: $\\frac$.
"""


@pytest.fixture(scope="module")
def math_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    book = tmp_path_factory.mktemp("math-book") / "docs"
    book.mkdir()
    (book / "rigid-bodies.md").write_text(CHAPTER, encoding="utf-8")
    process, server = start_server(tmp_path_factory.mktemp("e2e-math"), book)
    yield server
    process.terminate()
    process.wait(timeout=10)


def test_math_renders_as_mathml(page: Page, math_server: Server) -> None:
    page.goto(f"{math_server.url}/reader#rigid-bodies")
    expect(page.locator("#content h1")).to_have_text("Rigid Bodies")
    formulas = page.locator("#content math")
    expect(formulas).to_have_count(4)
    # Real MathML elements (not unknown HTML ones), laid out with a size.
    facts = page.evaluate(
        """() => [...document.querySelectorAll('#content math')].map((m) => {
             const box = m.getBoundingClientRect();
             return [m.namespaceURI, m.getAttribute('display'), box.width > 0 && box.height > 0];
           })"""
    )
    mathml = "http://www.w3.org/1998/Math/MathML"
    assert facts == [[mathml, "inline", True]] * 3 + [[mathml, "block", True]]
    expect(page.locator("#content code.math")).to_have_text("\\frac")
    assert_no_horizontal_overflow(page)
    shot(page, "math-chapter")
