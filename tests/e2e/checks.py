"""Checks the end-to-end tests make on any screen: no horizontal scrolling, axe-core."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

_axe = Axe()


def assert_no_horizontal_overflow(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, innerWidth]"
    )
    assert widths[0] <= widths[2], f"page wider than the window: {widths}"
    assert widths[1] <= widths[2], f"body wider than the window: {widths}"


def assert_accessible(page: Page, screen: str) -> None:
    """axe-core (WCAG 2 A/AA rules, contrast included): no serious or critical violation."""
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    results: dict[str, Any] = _axe.run(page, options=options).response
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{screen}: {bad}"
