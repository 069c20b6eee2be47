"""Tutor fixtures: a small book written for the tests, ingested per test; settings per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.config import Settings
from tailored.content import service as content
from tailored.tutor.index import SectionIndex, SourceChapter, SourceSection
from tailored.tutor.text import WORD_RE
from tests.fixtures.settings import make_settings

ARMS = """---
title: Robot Arms
---

# Robot Arms

Arms move things around a workcell.

## Grippers

A parallel gripper closes two fingers on an object. Suction grippers hold flat boxes with a
vacuum cup. Soft grippers bend around fruit without bruising it.

## Inverse kinematics {#ik}

Inverse kinematics computes the joint angles that put the hand at a target pose. The Jacobian
relates joint velocities to the velocity of the hand.

```python
angles = solve_ik(target_pose)  # returns None when the pose is out of reach
```
"""

POWER = """---
title: Power
---

# Power

## Charging batteries

Lithium batteries charge at constant current, then at constant voltage. Never charge a
swollen battery: move it outside on a fire-proof surface.

## Jetson power modes

On a Jetson the power mode is chosen with nvpmodel. The MAXN mode removes the power cap and
runs every core at full clock.
"""

GLOSSARY = (
    "Jacobian: The matrix of partial derivatives that maps joint velocities to hand velocity.\n"
)


def write_book(root: Path, chapters: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in chapters.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    return root


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    return write_book(tmp_path / "docs", {"robots/arms.md": ARMS, "power.md": POWER})


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(engine: AsyncEngine, docs: Path, settings_overrides: dict[str, Any]) -> Settings:
    return make_settings(engine, content_dir=docs, **settings_overrides)


Ingest = Callable[[], Any]


@pytest.fixture
def ingest(sessionmaker: async_sessionmaker[AsyncSession], docs: Path) -> Ingest:
    async def run() -> None:
        async with sessionmaker() as session:
            report = await content.ingest(session, docs, prune=True)
            assert report.ok, report.errors
            await session.commit()

    return run


@pytest.fixture
async def library(ingest: Ingest) -> None:
    await ingest()


def index_of(*chapters: tuple[str, str, list[tuple[str | None, str, str]]]) -> SectionIndex:
    """An index of chapters given as (id, title, [(anchor, heading, text)])."""
    index = SectionIndex()
    index.replace(
        SourceChapter(
            cid,
            title,
            f"hash-{cid}-{len(WORD_RE.findall(str(sections)))}",
            tuple(SourceSection(i, a, h, t) for i, (a, h, t) in enumerate(sections)),
        )
        for cid, title, sections in chapters
    )
    return index
