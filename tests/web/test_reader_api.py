"""The reader over HTTP: the page, its script and styles, chapter HTML and images."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.markdown.render import render_html
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.fixtures.profiles import create_profile
from tests.web.html_facts import assert_inert, read_html

STATIC = files("tailored.web").joinpath("static")


async def _ingest(sessionmaker: async_sessionmaker[AsyncSession], folder: Path) -> None:
    async with sessionmaker() as session:
        assert (await content.ingest(session, folder)).ok
        await session.commit()


@pytest.fixture
async def textbook(sessionmaker: async_sessionmaker[AsyncSession], textbook_dir: Path) -> None:
    await _ingest(sessionmaker, textbook_dir)


async def _get_raw(client: httpx.AsyncClient, raw_path: str) -> httpx.Response:
    """GET a path exactly as written (httpx would normalize `../` away)."""
    request = client.build_request("GET", "http://tailored.test")
    request.url = request.url.copy_with(raw_path=raw_path.encode())
    return await client.send(request)


class TestPage:
    async def test_root_redirects_to_the_reader(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/")
        assert response.is_redirect
        assert response.headers["location"] == "/reader"

    async def test_reader_page_has_a_strict_csp_and_no_inline_code(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.get("/reader")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["x-content-type-options"] == "nosniff"
        policy = response.headers["content-security-policy"]
        csp = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert csp["default-src"] == "'none'"
        assert csp["script-src"] == "'self'"
        assert csp["style-src"] == "'self'"
        assert csp["connect-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'"
        assert "unsafe" not in policy
        page = read_html(response.text)
        scripts = page.all("script")
        assert [s.attrs.get("src") for s in scripts] == ["/reader/static/js/main.js"]
        assert scripts[0].attrs["type"] == "module"
        assert all(not s.text.strip() for s in scripts)  # no inline script
        stylesheets = [e.attrs["href"] for e in page.all("link") if e.attrs["rel"] == "stylesheet"]
        assert stylesheets == ["/reader/static/reader.css", "/reader/static/content.css"]
        assert csp["font-src"] == "'self'"  # the bundled fonts, from this origin only
        assert not page.all("style")
        assert not [a for a in page.attributes() if a[1].startswith("on") or a[1] == "style"]

    async def test_page_has_the_toggle_the_search_and_the_account_links(
        self, client: httpx.AsyncClient
    ) -> None:
        page = read_html((await client.get("/reader")).text)
        inputs = {e.attrs["id"]: e.attrs.get("type") for e in page.all("input")}
        assert inputs == {"q": "search", "toggle": "checkbox", "lang-code": "text"}
        links = {e.attrs["href"] for e in page.all("a")}
        assert {"#/signin", "#/register", "#/settings", "#/admin"} <= links
        landmarks = {e.tag for e in page.all("main")} | {e.tag for e in page.all("header")}
        assert landmarks == {"main", "header"}

    async def test_modules_styles_and_fonts_are_served_with_their_types(
        self, client: httpx.AsyncClient
    ) -> None:
        names = [f"js/{f.name}" for f in STATIC.joinpath("js").iterdir()]
        names += ["reader.css", "content.css"]
        names += [f"fonts/{f.name}" for f in STATIC.joinpath("fonts").iterdir()]
        served = [n for n in names if not n.endswith(".txt")]
        assert "js/main.js" in served
        assert any(n.endswith(".woff2") for n in served)
        types = {".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2"}
        for name in served:
            response = await client.get(f"/reader/static/{name}")
            assert response.status_code == 200, name
            assert response.headers["content-type"].startswith(types[Path(name).suffix])
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.content == STATIC.joinpath(name).read_bytes()
            # Text goes compressed (httpx asks for gzip); fonts are compressed already.
            packed = response.headers.get("content-encoding") == "gzip"
            assert packed == (not name.endswith(".woff2")), name
            again = await client.get(
                f"/reader/static/{name}", headers={"if-none-match": response.headers["etag"]}
            )
            assert again.status_code == 304
            assert again.content == b""

    @pytest.mark.parametrize(
        "name", ["../endpoints.py", "js/../../endpoints.py", "fonts/OFL.txt", "nope.js", "JS/x.js"]
    )
    async def test_only_the_pages_own_files(self, client: httpx.AsyncClient, name: str) -> None:
        response = await _get_raw(client, f"/reader/static/{name}")
        assert response.status_code == 404

    def test_each_module_stays_small(self) -> None:
        for module in STATIC.joinpath("js").iterdir():
            assert len(module.read_text(encoding="utf-8").splitlines()) < 450, module.name


@pytest.mark.usefixtures("textbook")
class TestChapterHtml:
    async def test_sample_chapter_as_sanitized_html(
        self, client: httpx.AsyncClient, textbook_dir: Path
    ) -> None:
        response = await client.get("/api/chapters/intro/html")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["chapter_id"] == "intro"
        assert body["title"] == "What Is Physical AI?"
        assert body["path"] == "intro.md"
        assert body["html"] == render_html((textbook_dir / "intro.md").read_text())
        facts = assert_inert(body["html"])
        assert [e.attrs["id"] for e in facts.all("h1")] == ["what-is-physical-ai"]
        assert [e.text for e in facts.with_class("title")] == [
            "Note",
            "Set up once, use everywhere",
            "Warning",
        ]
        assert "sidebar_position" not in facts.text

    async def test_nested_mdx_chapter(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/api/chapters/deployment/jetson-edge/html")).json()
        facts = assert_inert(body["html"])
        assert body["path"] == "deployment/jetson-edge.mdx"
        assert "import Tabs" not in facts.text
        assert [e.text for e in facts.with_class("tab-label")] == ["Python", "C++"]

    async def test_unknown_chapter_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/chapters/ros2/nope/html")
        assert response.status_code == 404
        assert response.json()["error"] == "ChapterNotFound"

    @pytest.mark.parametrize(
        "raw_path",
        [
            "/api/chapters/..%2F..%2Fetc%2Fpasswd/html",
            "/api/chapters/%2e%2e/%2e%2e/etc/passwd/html",
            "/api/chapters/ros2/..%2F..%2F..%2Fetc%2Fpasswd/html",
            "/api/chapters/%2Fetc%2Fpasswd/html",
            "/api/chapters/intro%00.md/html",
        ],
    )
    async def test_traversal_is_refused(self, client: httpx.AsyncClient, raw_path: str) -> None:
        response = await _get_raw(client, raw_path)
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "InvalidChapterIdError"
        assert "root:" not in response.text

    async def test_plain_dot_dot_never_reaches_a_file(self, client: httpx.AsyncClient) -> None:
        # Unencoded `..` is resolved by the URL itself, before routing: nothing matches.
        response = await _get_raw(client, "/api/chapters/../../etc/passwd/html")
        assert response.status_code == 404
        assert "root:" not in response.text


class TestHostileChapter:
    async def test_whatever_the_markdown_holds_nothing_runs(
        self,
        client: httpx.AsyncClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        tmp_path: Path,
    ) -> None:
        (tmp_path / "evil.md").write_text(
            "---\ntitle: Evil\n---\n\n# Evil\n\n<script>alert(1)</script>\n\n"
            '<img src="x.png" onerror="alert(2)">\n\n[click](javascript:alert(3))\n\n'
            '<iframe src="https://example.org"></iframe>\n\n'
            '<a href="javascript:alert(4)" onclick="alert(5)">link</a>\n'
        )
        await _ingest(sessionmaker, tmp_path)
        response = await client.get("/api/chapters/evil/html")
        assert response.status_code == 200, response.text
        facts = assert_inert(response.json()["html"])
        assert [e.attrs for e in facts.all("img")] == [{"src": "x.png"}]
        assert "alert(1)" not in facts.text


@pytest.mark.usefixtures("textbook")
class TestPersonalizedHtml:
    async def test_learner_with_a_complete_profile_gets_sanitized_html(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        await create_profile(state, user_id=user.id)
        url = "/api/chapters/deployment/jetson-edge/personalize"
        response = await client.post(f"{url}?html=true", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["verification"]["ok"] is True
        assert body["warning"] is None
        assert body["applied_transformations"]
        assert body["html"] == render_html(body["content"])
        facts = assert_inert(body["html"])
        assert [e.text for e in facts.with_class("tab-label")] == ["Python", "C++"]
        plain = (await client.post(url, headers=headers)).json()
        assert plain["html"] is None
        assert plain["content"] == body["content"]

    async def test_still_needs_a_complete_profile(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        user, headers = await create_logged_in_user(state, client)
        await create_profile(state, user_id=user.id, hardware_level=None)
        response = await client.post("/api/chapters/intro/personalize?html=true", headers=headers)
        assert response.status_code == 403
        assert response.json()["error"] == "ProfileIncomplete"


class TestAssets:
    @pytest.fixture
    def docs(self, state: AppState, textbook_dir: Path, tmp_path: Path) -> Path:
        docs = tmp_path / "docs"
        shutil.copytree(textbook_dir, docs)
        state.settings.content_dir = docs
        return docs

    async def test_chapter_image_is_served_sandboxed(
        self, client: httpx.AsyncClient, docs: Path
    ) -> None:
        response = await client.get("/reader/assets/ros2/img/ros-graph.svg")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.content == (docs / "ros2" / "img" / "ros-graph.svg").read_bytes()
        csp = response.headers["content-security-policy"]
        assert "sandbox" in csp
        assert "script-src" not in csp  # default-src 'none' covers scripts
        assert response.headers["x-content-type-options"] == "nosniff"

    @pytest.mark.usefixtures("docs")
    @pytest.mark.parametrize(
        "raw_path",
        [
            "/reader/assets/img/missing.svg",
            "/reader/assets/intro.md",  # chapters are not images
            "/reader/assets/glossary.yml",
            "/reader/assets/..%2Fsecret.png",
            "/reader/assets/%2e%2e/secret.png",
            "/reader/assets/img/..%2F..%2Fsecret.png",
            "/reader/assets/%2Ftmp%2Fsecret.png",
            "/reader/assets/link.png",  # a symbolic link out of the folder
        ],
    )
    async def test_only_images_inside_the_content_folder(
        self, client: httpx.AsyncClient, tmp_path: Path, raw_path: str
    ) -> None:
        (tmp_path / "secret.png").write_bytes(b"secret")
        (tmp_path / "docs" / "link.png").symlink_to(tmp_path / "secret.png")
        response = await _get_raw(client, raw_path)
        assert response.status_code == 404
        assert response.json()["error"] == "NotFound"
        assert b"secret" not in response.content.replace(b"no such image", b"")

    async def test_no_content_folder_means_no_images(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/reader/assets/img/sense-think-act.svg")
        assert response.status_code == 404
