"""The reader from the keyboard: skip link, tabs with the arrow keys, the drawer and Escape."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server


def test_keyboard_only(browser: Browser, textbook_server: Server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{textbook_server.url}/reader#deployment/jetson-edge")
        expect(page.locator("#content h1")).to_have_text("Deploying Models on Jetson Orin")
        # The first Tab lands on the skip link; Enter moves focus to the chapter.
        page.keyboard.press("Tab")
        expect(page.locator(".skip")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#main")).to_be_focused()
        # Tabs: focus the selected one, arrows move the selection and the panel.
        tablist = page.locator(".tabs-list").first
        first = tablist.locator("[role=tab]").first
        first.focus()
        page.keyboard.press("ArrowRight")
        second = tablist.locator("[role=tab]").nth(1)
        expect(second).to_be_focused()
        expect(second).to_have_attribute("aria-selected", "true")
        expect(page.locator(f"#{second.get_attribute('aria-controls')}")).to_be_visible()
        expect(page.locator(f"#{first.get_attribute('aria-controls')}")).to_be_hidden()
        # The drawer: Menu opens it with focus inside, Escape closes it and returns focus.
        page.locator("#menu").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#sidebar")).to_be_visible()
        expect(page.locator("#menu")).to_have_attribute("aria-expanded", "true")
        assert page.evaluate("document.getElementById('sidebar').contains(document.activeElement)")
        page.keyboard.press("Escape")
        expect(page.locator("#sidebar")).to_be_hidden()
        expect(page.locator("#menu")).to_be_focused()
    finally:
        context.close()
