from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tailored.content import service
from tailored.content.glossary import GlossaryError, parse_glossary
from tailored.models import GlossaryTerm


class TestParseGlossary:
    def test_short_and_long_forms(self) -> None:
        terms = parse_glossary(
            "URDF: Unified Robot Description Format.\n"
            "ROS 2:\n  definition: >\n    Robot Operating System 2,\n    the middleware.\n"
            "  aliases: [ROS2]\n"
        )
        assert [(t.term, t.definition, t.aliases) for t in terms] == [
            ("URDF", "Unified Robot Description Format.", ()),
            ("ROS 2", "Robot Operating System 2, the middleware.", ("ROS2",)),
        ]

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("- a\n- b\n", "mapping"),
            ("A: [1, 2]\n", "definition"),
            ("A: x\na: y\n", "defined twice"),
            ("A:\n  definition: x\n  aliases: A2\n", "aliases"),
            ("A: x\nB:\n  definition: y\n  aliases: [a]\n", "defined twice"),
            ("A: [unclosed\n", "invalid YAML"),
        ],
    )
    def test_bad_glossaries_say_why(self, text: str, message: str) -> None:
        with pytest.raises(GlossaryError, match=message):
            parse_glossary(text)

    def test_empty_file_is_an_empty_glossary(self) -> None:
        assert parse_glossary("") == ()


class TestIngestGlossary:
    async def test_terms_are_stored_and_replaced(
        self, session: AsyncSession, tmp_path: Path
    ) -> None:
        (tmp_path / "a.md").write_text("# A\n")
        (tmp_path / "glossary.yml").write_text("URDF: robot description.\nTF: transforms.\n")
        report = await service.ingest(session, tmp_path)
        assert report.glossary_terms == 2
        (tmp_path / "glossary.yml").write_text("TF: coordinate transforms.\n")
        await service.ingest(session, tmp_path)
        rows = (await session.execute(select(GlossaryTerm))).scalars().all()
        assert [(r.term, r.definition) for r in rows] == [("TF", "coordinate transforms.")]

    async def test_broken_glossary_writes_nothing(
        self, session: AsyncSession, tmp_path: Path
    ) -> None:
        (tmp_path / "a.md").write_text("# A\n")
        (tmp_path / "glossary.yml").write_text("- not\n- a mapping\n")
        report = await service.ingest(session, tmp_path)
        assert [e.path for e in report.errors] == ["glossary.yml"]
        assert report.added == []
