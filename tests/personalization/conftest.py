from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.derived.recorder import Recorder
from tailored.kit.cache import Cache
from tailored.models import Chapter
from tailored.personalization.engine import Personalizer
from tests.personalization.adapters import NoteAdapter

CHAPTER = """---
title: Publishers
---

# Publishers

A node publishes messages on a topic.

```python
node.create_publisher(String, "chatter", 10)
```

## Subscribers

A node subscribes to a topic.
"""


def write_docs(root: Path, text: str = CHAPTER) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "publishers.md").write_text(text)
    return root


@pytest.fixture
async def chapter(sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> Chapter:
    async with sessionmaker() as session:
        report = await content.ingest(session, write_docs(tmp_path / "docs"))
        assert report.ok
        await session.commit()
        return await content.get_chapter(session, "publishers")


def make_personalizer(
    sessionmaker: async_sessionmaker[AsyncSession],
    cache: Cache,
    adapter: NoteAdapter | None = None,
    *,
    ttl_seconds: int = 3600,
) -> Personalizer:
    return Personalizer(
        adapter=adapter or NoteAdapter(),
        cache=cache,
        recorder=Recorder(sessionmaker),
        sessionmaker=sessionmaker,
        ttl_seconds=ttl_seconds,
        lock_ttl=5.0,
    )
