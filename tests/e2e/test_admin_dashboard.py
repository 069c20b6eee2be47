"""The admin dashboard: only for admins; charts over time, figures, ingest with its report."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.checks import assert_accessible, assert_no_horizontal_overflow
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Server, shot


def sign_in(page: Page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/reader#/signin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("#screen form button[type=submit]")
    expect(page.locator("#signed-in-links")).to_be_visible()


def test_admin_sees_charts_figures_users_and_can_ingest(
    page: Page, textbook_server: Server
) -> None:
    # Some traffic for the charts: a learner personalizes a chapter twice (a miss, then a hit).
    api = textbook_server.url + "/api"
    email = f"traffic-{uuid.uuid4().hex[:8]}@example.org"
    httpx.post(f"{api}/auth/register", json={"email": email, "password": "a long passphrase"})
    token = httpx.post(
        f"{api}/auth/login", json={"email": email, "password": "a long passphrase"}
    ).json()["access_token"]
    auth = {"authorization": f"Bearer {token}"}
    profile = {"software_level": "advanced", "hardware_level": "advanced", "languages": ["rust"]}
    assert httpx.patch(f"{api}/me/profile", json=profile, headers=auth).status_code == 200
    for _ in range(2):
        response = httpx.post(f"{api}/chapters/intro/personalize", headers=auth, timeout=30)
        assert response.status_code == 200
    sign_in(page, textbook_server.url, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{textbook_server.url}/reader#/admin")
    expect(page.locator("#admin-link")).to_be_visible()
    expect(page.locator("#screen h1")).to_have_text("Dashboard")
    expect(page.locator("svg.chart")).to_have_count(3)
    # Drawn lines, not empty axes: the requests above are in the last slice.
    assert page.locator("svg.chart path.line").count() >= 3
    requests = page.locator(".card", has_text="personalize requests").locator(".figure")
    assert int(requests.inner_text()) >= 2
    expect(page.locator("#screen")).to_contain_text("served from the cache")
    expect(page.locator("#screen table").last).to_contain_text(ADMIN_EMAIL)
    page.click("text=Re-read the docs folder")
    expect(page.locator("#screen [role=status]")).to_contain_text("unchanged")
    assert_accessible(page, "dashboard")
    assert_no_horizontal_overflow(page)
    shot(page, "desktop-dashboard", full_page=True)


def test_learner_gets_no_dashboard(page: Page, textbook_server: Server) -> None:
    page.goto(f"{textbook_server.url}/reader#/register")
    page.fill("input[name=email]", "not-an-admin@example.org")
    page.fill("input[name=password]", "a long passphrase")
    page.click("#screen form button[type=submit]")
    expect(page.locator("#screen h1")).to_contain_text("Tell us about you")
    expect(page.locator("#admin-link")).to_be_hidden()
    page.goto(f"{textbook_server.url}/reader#/admin")
    expect(page.locator("#screen")).to_contain_text("for administrators")
    expect(page.locator("svg.chart")).to_have_count(0)
