"""A new learner in headless Chromium, on a desktop and on a phone: register, the profile
wizard, a personalized chapter, the toggle, a tab, Urdu, up next / tutor where the server has
them, settings, sign out. Every main screen: no horizontal scrolling, no serious axe issue."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.checks import assert_accessible, assert_no_horizontal_overflow
from tests.e2e.conftest import Server, shot

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}
TABS_CHAPTER = "deployment/jetson-edge"
INTERNAL_WORDS = ("audience_variants", "code_language", "hardware_path", "rules@", "cached")


def check(page: Page, screen: str, name: str) -> None:
    assert_no_horizontal_overflow(page)
    assert_accessible(page, screen)
    shot(page, f"{name}-{screen}")


def open_drawer_and_go(page: Page, phone: bool, title: str) -> None:
    if phone:
        expect(page.locator("#sidebar")).not_to_be_visible()
        page.click("#menu")
        expect(page.locator("#sidebar")).to_be_visible()
    link = page.locator("#nav-tree a", has_text=title).first
    if not link.is_visible():  # in a folded category: unfold it, as a reader would
        link.locator("xpath=ancestor::ul[1]/preceding-sibling::button[1]").click()
    link.click()
    if phone:
        expect(page.locator("#sidebar")).not_to_be_visible()


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_new_learner_reads_personalized_then_in_urdu(
    browser: Browser, textbook_server: Server, device: str
) -> None:
    width, height = VIEWPORTS[device]
    phone = device == "phone"
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{textbook_server.url}/reader")
        expect(page.locator("#content h1")).to_have_text("What Is Physical AI?")
        check(page, "chapter-anonymous", device)

        # Register: straight into the wizard.
        page.click("#signed-out-links >> text=Create account")
        email = f"learner-{uuid.uuid4().hex[:8]}@example.org"
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", "a long passphrase")
        check(page, "register", device)
        page.click("button[type=submit] >> text=Create account")
        expect(page.locator("#screen h1")).to_have_text("Welcome! Tell us about you")
        check(page, "wizard", device)
        page.check("input[name=software_level][value=beginner]")
        page.check("input[name=languages][value='c++']")
        page.get_by_role("button", name="Next", exact=True).click()
        page.check("input[name=hardware_level][value=none]")
        page.check("input[name=hardware_available][value=jetson_kit]")
        page.get_by_role("button", name="Next", exact=True).click()
        page.check("input[name=role][value=student]")
        page.get_by_role("button", name="Save and start reading").click()
        expect(page.locator("#chapter-view")).to_be_visible()

        # A chapter with <Tabs>, personalized: the learner's language (C++) is selected.
        open_drawer_and_go(page, phone, "Deploying Models on Jetson Orin")
        expect(page.locator("#content h1")).to_have_text("Deploying Models on Jetson Orin")
        page.check("#toggle")
        expect(page.locator("#applied")).to_be_visible()
        summary = page.inner_text("#applied")
        assert "What changed for you" in summary
        assert not any(word in summary for word in INTERNAL_WORDS), summary
        assert not any(w in page.inner_text("#status") for w in INTERNAL_WORDS)
        tablist = page.locator(".tabs-list:visible").first
        expect(tablist).to_be_visible()
        selected = tablist.locator("[role=tab][aria-selected=true]")
        expect(selected).to_have_text("C++")
        check(page, "chapter-personalized", device)

        # The original of a changed section, when one changed.
        if page.locator("details.original").count():
            page.locator("details.original summary").first.click()
            expect(page.locator("details.original[open]").first).to_be_visible()

        # Toggle off: the original, and the choice is remembered for the chapter.
        page.uncheck("#toggle")
        expect(page.locator("#applied")).to_be_hidden()
        page.reload()
        expect(page.locator("#content h1")).to_have_text("Deploying Models on Jetson Orin")
        expect(page.locator("#toggle")).not_to_be_checked()
        assert page.is_visible("#signed-in-links")  # still signed in after a reload

        # The original has both tabs, the learner's language selected; switch to the other.
        tablist = page.locator(".tabs-list:visible").first
        expect(tablist.locator("[role=tab][aria-selected=true]")).to_have_text("C++")
        python = tablist.locator("[role=tab]", has_text="Python")
        python.click()
        expect(python).to_have_attribute("aria-selected", "true")
        expect(page.locator(f"#{python.get_attribute('aria-controls')}")).to_be_visible()

        # Copy button on a titled code block.
        page.locator(".code-block .copy").first.click()
        expect(page.locator(".code-block .copy").first).to_have_text("Copied")

        # Urdu: right to left, in the bundled font, no horizontal scrolling.
        open_drawer_and_go(page, phone, "What Is Physical AI?")
        page.select_option("#lang", "ur")
        expect(page.locator("#content")).to_have_attribute("dir", "rtl")
        expect(page.locator("#content")).to_have_attribute("lang", "ur")
        page.evaluate("document.fonts.ready")
        loaded = page.evaluate(
            "() => document.fonts.check('16px \"Tailored Urdu\"', 'اردو')"
            " && [...document.fonts].some(f => f.family.includes('Tailored Urdu')"
            " && f.status === 'loaded')"
        )
        assert loaded, "the bundled Urdu font did not load"
        check(page, "chapter-urdu", device)
        page.select_option("#lang", "")
        expect(page.locator("#content")).not_to_have_attribute("dir", "rtl")

        # Progress, and the panels other features add (hidden when the server has none).
        page.click("#complete")
        expect(page.locator("#complete")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#progress")).to_contain_text("1 of")
        if page.is_visible("#upnext"):
            assert page.locator("#upnext-list a").count() > 0
        if page.is_visible("#tutor"):
            page.fill("#tutor-input", "What is Physical AI?")
            page.click("#tutor-form button")
            expect(page.locator("#tutor-log li")).to_have_count(2)

        # A second tab stays signed in.
        other = context.new_page()
        other.goto(f"{textbook_server.url}/reader#/settings")
        expect(other.locator("#screen h1")).to_have_text("Settings")
        assert_accessible(other, "settings")
        assert_no_horizontal_overflow(other)
        shot(other, f"{device}-settings")
        other.close()

        # Sign out: the account links come back and the toggle is off.
        if phone:
            page.evaluate("scrollTo(0, 0)")
        page.click("#logout")
        expect(page.locator("#signed-out-links")).to_be_visible()
        expect(page.locator("#toggle")).to_be_disabled()
        check(page, "signed-out", device)
    finally:
        context.close()
    assert not errors, errors


def test_bad_link_shows_not_found_not_the_previous_chapter(
    page: Page, textbook_server: Server
) -> None:
    page.goto(f"{textbook_server.url}/reader#intro")
    expect(page.locator("#content h1")).to_have_text("What Is Physical AI?")
    page.goto(f"{textbook_server.url}/reader#no/such/chapter")
    expect(page.locator("#screen h1")).to_have_text("Chapter not found")
    expect(page.locator("#chapter-view")).to_be_hidden()


def test_search_finds_a_section_and_opens_it(page: Page, textbook_server: Server) -> None:
    page.goto(f"{textbook_server.url}/reader")
    expect(page.locator("#content h1")).to_be_visible()
    page.fill("#q", "inertia")
    first = page.locator("#search-results a").first
    expect(first).to_be_visible()
    first.click()
    expect(page.locator("#content h1")).to_have_text("Describing a Robot with URDF")
