"""Settings in the page: change the password, download my data, delete the account."""

from __future__ import annotations

import json
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server


def test_change_password_export_and_delete(page: Page, textbook_server: Server) -> None:
    email = f"settings-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(f"{textbook_server.url}/reader#/register")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "a long passphrase")
    page.click("#screen form button[type=submit]")
    page.get_by_role("button", name="Skip for now").click()
    expect(page.locator("#chapter-view")).to_be_visible()

    page.click("#settings-link")
    expect(page.locator("#screen h1")).to_have_text("Settings")
    page.get_by_label("Current password").fill("wrong passphrase")
    page.get_by_label("New password (at least 10 characters)").fill("another long passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("form[aria-label='Change password'] .error")).to_have_text(
        "The current password is not right."
    )
    page.get_by_label("Current password").fill("a long passphrase")
    page.get_by_label("New password (at least 10 characters)").fill("another long passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("form[aria-label='Change password'] .ok")).to_contain_text(
        "Password changed"
    )

    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data (JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert email in json.dumps(data)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Your password, to confirm").fill("another long passphrase")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#signed-out-links")).to_be_visible()
    # The account is gone: signing in with it fails, in words a learner understands.
    page.goto(f"{textbook_server.url}/reader#/signin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "another long passphrase")
    page.click("#screen form button[type=submit]")
    expect(page.locator("#screen .error")).to_have_text(
        "That email and password do not match an account."
    )
