"""Ingesting a docs folder into the library, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.content import service
from tailored.models import Chapter, GlossaryTerm, Section

TEXTBOOK_IDS = [
    "intro",
    "ros2/nodes-and-topics",
    "ros2/urdf",
    "simulation/gazebo-and-isaac",
    "perception/cameras-and-depth",
    "deployment/jetson-edge",
    "vla/vla-models",
]


@pytest.fixture
def docs(tmp_path: Path, textbook_dir: Path) -> Path:
    target = tmp_path / "docs"
    shutil.copytree(textbook_dir, target)
    return target


async def _count(session: AsyncSession, model: type[Chapter] | type[Section]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestIngestTextbook:
    async def test_every_chapter_lands_in_reading_order(
        self, session: AsyncSession, docs: Path
    ) -> None:
        report = await service.ingest(session, docs)
        assert report.ok
        assert sorted(report.added) == sorted(TEXTBOOK_IDS)
        chapters, counts = await service.list_chapters(session)
        assert [c.id for c in chapters] == TEXTBOOK_IDS
        assert [c.position for c in chapters] == list(range(len(TEXTBOOK_IDS)))
        assert all(counts[c.id] > 0 for c in chapters)

    async def test_chapter_keeps_source_hash_front_matter_and_anchors(
        self, session: AsyncSession, docs: Path
    ) -> None:
        import hashlib

        await service.ingest(session, docs)
        chapter = await service.get_chapter(session, "ros2/nodes-and-topics", with_sections=True)
        raw = (docs / "ros2" / "01-nodes-and-topics.md").read_bytes()
        assert chapter.source.encode() == raw
        assert chapter.source_hash == hashlib.sha256(raw).hexdigest()
        assert chapter.front_matter["prerequisites"] == ["intro"]
        anchors = [s.anchor for s in chapter.sections]
        assert "qos-profiles" in anchors  # explicit {#qos-profiles}
        assert len(anchors) == len(set(anchors))

    async def test_explicit_id_and_slug(self, session: AsyncSession, docs: Path) -> None:
        await service.ingest(session, docs)
        vla = await service.get_chapter(session, "vla/vla-models")
        assert vla.path == "vla/vision-language-action.md"
        sim = await service.get_chapter(session, "simulation/gazebo-and-isaac")
        assert sim.slug == "gazebo-vs-isaac"


class TestReingest:
    async def test_reports_added_changed_unchanged_removed_and_keeps_ids(
        self, session: AsyncSession, docs: Path
    ) -> None:
        await service.ingest(session, docs)
        again = await service.ingest(session, docs)
        assert sorted(again.unchanged) == sorted(TEXTBOOK_IDS)
        assert again.added == again.changed == again.removed == []

        intro = docs / "intro.md"
        intro.write_text(intro.read_text() + "\n## A new section\n\nMore words.\n")
        (docs / "simulation" / "gazebo-and-isaac.md").unlink()
        (docs / "ros2" / "03-launch.md").write_text("---\ntitle: Launch files\n---\n\n# Launch\n")
        report = await service.ingest(session, docs)
        assert report.changed == ["intro"]
        assert report.removed == ["simulation/gazebo-and-isaac"]
        assert report.added == ["ros2/launch"]
        chapter = await service.get_chapter(session, "intro", with_sections=True)
        assert chapter.sections[-1].anchor == "a-new-section"
        ids = [c.id for c in (await service.list_chapters(session))[0]]
        assert ids.index("ros2/launch") == ids.index("ros2/urdf") + 1
        assert "simulation/gazebo-and-isaac" not in ids

    async def test_removed_chapter_takes_its_sections(
        self, session: AsyncSession, docs: Path
    ) -> None:
        await service.ingest(session, docs)
        before = await _count(session, Section)
        sim = await service.get_chapter(session, "simulation/gazebo-and-isaac", with_sections=True)
        (docs / "simulation" / "gazebo-and-isaac.md").unlink()
        await service.ingest(session, docs)
        assert await _count(session, Section) == before - len(sim.sections)

    async def test_a_broken_file_writes_nothing(self, session: AsyncSession, docs: Path) -> None:
        await service.ingest(session, docs)
        (docs / "intro.md").write_text("# Changed\n")
        (docs / "ros2" / "broken.md").write_bytes(b"# Caf\xe9 in latin-1\n")
        report = await service.ingest(session, docs)
        assert not report.ok
        assert [e.path for e in report.errors] == ["ros2/broken.md"]
        assert "UTF-8" in report.errors[0].message
        intro = await service.get_chapter(session, "intro")
        assert intro.title != "Changed"
        assert await _count(session, Chapter) == len(TEXTBOOK_IDS)


class TestEdgeCases:
    async def test_edge_case_folder(self, session: AsyncSession, tmp_path: Path) -> None:
        docs = tmp_path / "edge"
        (docs / "guide").mkdir(parents=True)
        (docs / "empty.md").write_text("")
        (docs / "plain.md").write_text("Just text, no front matter.\n\n## Part\n\nBody.\n")
        (docs / "guide" / "tabs.mdx").write_text(
            "---\ntitle: Tabs\n---\n"
            "import Tabs from '@theme/Tabs';\n\n"
            '<Tabs>\n<TabItem value="py">\n\n```python\n# not a heading\n```\n\n'
            "</TabItem>\n</Tabs>\n\n## Real heading\n"
        )
        report = await service.ingest(session, docs)
        assert report.ok, report.errors
        assert sorted(report.added) == ["empty", "guide/tabs", "plain"]
        empty = await service.get_chapter(session, "empty", with_sections=True)
        assert empty.sections == []
        tabs = await service.get_chapter(session, "guide/tabs", with_sections=True)
        assert [s.anchor for s in tabs.sections if s.anchor] == ["real-heading"]

    @pytest.mark.parametrize(
        ("name", "content", "expected"),
        [
            ("bad-yaml.md", b"---\ntitle: [oops\n---\n", "YAML"),
            ("latin1.md", b"caf\xe9\n", "UTF-8"),
            ("zz-dup.md", b"---\nid: plain\n---\n# Dup\n", "plain.md"),
        ],
    )
    async def test_errors_name_the_file(
        self, session: AsyncSession, tmp_path: Path, name: str, content: bytes, expected: str
    ) -> None:
        docs = tmp_path / "errs"
        docs.mkdir()
        (docs / "plain.md").write_text("# Plain\n")
        (docs / name).write_bytes(content)
        report = await service.ingest(session, docs)
        assert [e.path for e in report.errors] == [name]
        assert expected in report.errors[0].message
        assert await _count(session, Chapter) == 0


async def _glossary_terms(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(GlossaryTerm)) or 0)


class TestPruneGuard:
    """An empty or wrong folder must not silently empty the library."""

    async def test_an_empty_folder_removes_nothing_without_prune(
        self, session: AsyncSession, docs: Path, tmp_path: Path
    ) -> None:
        await service.ingest(session, docs)
        terms = await _glossary_terms(session)
        empty = tmp_path / "empty"
        empty.mkdir()
        with pytest.raises(service.IngestWouldPrune) as refused:
            await service.ingest(session, empty)
        assert sorted(refused.value.removing) == sorted(TEXTBOOK_IDS)
        assert (refused.value.total, refused.value.found) == (len(TEXTBOOK_IDS), 0)
        assert f"remove {len(TEXTBOOK_IDS)} of the {len(TEXTBOOK_IDS)} chapters" in str(
            refused.value.detail
        )
        assert await _count(session, Chapter) == len(TEXTBOOK_IDS)
        assert await _glossary_terms(session) == terms > 0

    async def test_prune_removes_them(
        self, session: AsyncSession, docs: Path, tmp_path: Path
    ) -> None:
        await service.ingest(session, docs)
        empty = tmp_path / "empty"
        empty.mkdir()
        report = await service.ingest(session, empty, prune=True)
        assert sorted(report.removed) == sorted(TEXTBOOK_IDS)
        assert await _count(session, Chapter) == 0

    async def test_up_to_half_goes_through_more_is_refused(
        self, session: AsyncSession, docs: Path
    ) -> None:
        await service.ingest(session, docs)
        # 7 chapters: removing 3 is under half, removing 4 is over.
        for path in ("vla/vision-language-action.md", "deployment/jetson-edge.mdx"):
            (docs / path).unlink()
        shutil.rmtree(docs / "simulation")
        report = await service.ingest(session, docs)
        assert len(report.removed) == 3
        shutil.rmtree(docs / "perception")
        shutil.rmtree(docs / "ros2")
        with pytest.raises(service.IngestWouldPrune) as refused:
            await service.ingest(session, docs)
        assert (len(refused.value.removing), refused.value.total) == (3, 4)

    async def test_a_first_ingest_of_an_empty_folder_is_fine(
        self, session: AsyncSession, tmp_path: Path
    ) -> None:
        report = await service.ingest(session, tmp_path)
        assert report.ok
        assert report.removed == []

    async def test_malformed_category_file_is_an_error_and_writes_nothing(
        self, session: AsyncSession, docs: Path
    ) -> None:
        # A misspelt key: Docusaurus refuses the file, so ingest must not guess around it.
        (docs / "ros2" / "_category_.json").write_text('{"label": "ROS 2", "positon": 2}')
        report = await service.ingest(session, docs)
        assert not report.ok
        assert [e.path for e in report.errors] == ["ros2/_category_.json"]
        assert "unknown key 'positon'" in report.errors[0].message
        assert await _count(session, Chapter) == 0
