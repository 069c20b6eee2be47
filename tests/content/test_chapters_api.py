"""Reading chapters over HTTP, and every way a request might try to reach the filesystem."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service
from tailored.models import Role
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user


@pytest.fixture
async def library(sessionmaker: async_sessionmaker[AsyncSession], textbook_dir: Path) -> None:
    async with sessionmaker() as session:
        report = await service.ingest(session, textbook_dir)
        assert report.ok
        await session.commit()


@pytest.mark.usefixtures("library")
class TestChapters:
    async def test_list_in_reading_order(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/chapters")
        assert response.status_code == 200
        items = response.json()
        assert items[0]["id"] == "intro"
        assert [i["position"] for i in items] == sorted(i["position"] for i in items)
        assert all(i["section_count"] > 0 for i in items)

    async def test_get_with_sections_and_raw_markdown(
        self, client: httpx.AsyncClient, textbook_dir: Path
    ) -> None:
        response = await client.get("/api/chapters/ros2/urdf")
        assert response.status_code == 200
        body = response.json()
        assert body["source"] == (textbook_dir / "ros2" / "02-urdf.md").read_text()
        assert body["front_matter"]["title"] == body["title"]
        assert body["sections"][0]["content"] in body["source"]

    async def test_raw_endpoint_is_byte_identical(
        self, client: httpx.AsyncClient, textbook_dir: Path
    ) -> None:
        response = await client.get("/api/chapters/deployment/jetson-edge/raw")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/markdown")
        assert response.content == (textbook_dir / "deployment" / "jetson-edge.mdx").read_bytes()

    async def test_unknown_chapter_is_404(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/chapters/ros2/nope")
        assert response.status_code == 404
        assert response.json()["error"] == "ChapterNotFound"


# Raw paths, sent as-is (httpx would normalize "../" away): traversal, absolute paths,
# NUL bytes and percent-encoded variants.
TRAVERSALS = [
    "/api/chapters/..%2F..%2Fetc%2Fpasswd",
    "/api/chapters/%2e%2e/%2e%2e/etc/passwd",
    "/api/chapters/%252e%252e%252fetc%252fpasswd",
    "/api/chapters/ros2/..%2F..%2F..%2Fetc%2Fpasswd",
    "/api/chapters/%2Fetc%2Fpasswd",
    "/api/chapters/intro%00.md",
    "/api/chapters/..%5C..%5Cwindows",
    "/api/chapters/..%2F..%2Fetc%2Fpasswd/raw",
]


@pytest.mark.usefixtures("library")
class TestTraversal:
    @pytest.mark.parametrize("raw_path", TRAVERSALS)
    async def test_traversal_is_refused_without_reading_files(
        self, client: httpx.AsyncClient, raw_path: str
    ) -> None:
        request = client.build_request("GET", "http://tailored.test")
        request.url = request.url.copy_with(raw_path=raw_path.encode())
        response = await client.send(request)
        assert response.status_code in (404, 422), response.text
        assert response.json()["error"] in ("InvalidChapterIdError", "NotFound", "ChapterNotFound")
        assert "root:" not in response.text


class TestAdminIngest:
    async def test_admin_reingests_the_configured_folder(
        self, client: httpx.AsyncClient, state: AppState, textbook_dir: Path, tmp_path: Path
    ) -> None:
        docs = tmp_path / "docs"
        shutil.copytree(textbook_dir, docs)
        state.settings.content_dir = docs
        _admin, headers = await create_logged_in_user(state, client, role=Role.admin)
        first = await client.post("/api/admin/ingest", headers=headers)
        assert first.status_code == 200, first.text
        assert "intro" in first.json()["added"]
        (docs / "intro.md").write_text("---\ntitle: [broken\n---\n")
        broken = await client.post("/api/admin/ingest", headers=headers)
        assert broken.status_code == 422
        assert broken.json()["detail"]["errors"][0]["path"] == "intro.md"
        assert (await client.get("/api/chapters/intro")).json()["title"] != ""

    async def test_learner_cannot_ingest(self, client: httpx.AsyncClient, state: AppState) -> None:
        _learner, headers = await create_logged_in_user(state, client)
        response = await client.post("/api/admin/ingest", headers=headers)
        assert response.status_code == 403

    async def test_no_folder_configured_is_400(
        self, client: httpx.AsyncClient, state: AppState
    ) -> None:
        _admin, headers = await create_logged_in_user(state, client, role=Role.admin)
        response = await client.post("/api/admin/ingest", headers=headers)
        assert response.status_code == 400
        assert "TAILORED_CONTENT_DIR" in response.json()["detail"]

    async def test_emptied_folder_is_a_409_until_prune(
        self, client: httpx.AsyncClient, state: AppState, textbook_dir: Path, tmp_path: Path
    ) -> None:
        docs = tmp_path / "docs"
        shutil.copytree(textbook_dir, docs)
        state.settings.content_dir = docs
        _admin, headers = await create_logged_in_user(state, client, role=Role.admin)
        first = await client.post("/api/admin/ingest", headers=headers)
        n = len(first.json()["added"])
        for path in list(docs.iterdir()):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        refused = await client.post("/api/admin/ingest", headers=headers)
        assert refused.status_code == 409
        body = refused.json()
        assert body["error"] == "IngestWouldPrune"
        assert f"remove {n} of the {n} chapters" in body["detail"]
        assert "prune=true" in body["detail"]
        assert len((await client.get("/api/chapters")).json()) == n
        pruned = await client.post("/api/admin/ingest?prune=true", headers=headers)
        assert pruned.status_code == 200, pruned.text
        assert len(pruned.json()["removed"]) == n
        assert (await client.get("/api/chapters")).json() == []
