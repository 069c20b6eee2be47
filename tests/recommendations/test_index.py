"""The index follows the library: this process's ingest at once, another process's (a change
in the database this process did not make) within `refresh_seconds`, served stale meanwhile."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import httpx

from tailored.config.recommendations import RecommendationsConfig
from tailored.models import Chapter
from tailored.recommendations.engine import Recommender
from tailored.state import AppState
from tests.fixtures.accounts import create_logged_in_user
from tests.recommendations.factories import ingest_book


class TestIndexFollowsTheLibrary:
    async def test_an_ingest_in_this_process_is_seen_by_the_next_list(
        self, client: httpx.AsyncClient, state: AppState, tmp_path: Path
    ) -> None:
        _, headers = await create_logged_in_user(state, client)
        url = "/api/me/recommendations?remember=false"
        empty = await client.get(url, headers=headers)
        assert empty.json() == {"items": []}
        await ingest_book(state, tmp_path / "docs")
        found = (await client.get(url, headers=headers)).json()["items"]
        assert found[0]["content_id"] == "module-1/welcome"

    async def test_another_processs_change_is_noticed_and_rebuilt_behind(
        self, state: AppState, tmp_path: Path
    ) -> None:
        await ingest_book(state, tmp_path / "docs")
        config = RecommendationsConfig(refresh_seconds=0.05)
        recommender = Recommender()
        before = await recommender.index(state.sessionmaker, config)
        assert before.catalogue.get("appendix") is None
        source = "# Appendix\n"
        async with state.sessionmaker() as session:
            session.add(
                Chapter(
                    id="appendix",
                    title="Appendix",
                    path="appendix.md",
                    position=99,
                    front_matter={},
                    source=source,
                    source_hash=hashlib.sha256(source.encode()).hexdigest(),
                )
            )
            await session.commit()
        # Within refresh_seconds the index is not even checked.
        assert await recommender.index(state.sessionmaker, config) is before
        await asyncio.sleep(0.06)
        # The check finds the change, starts the rebuild and answers with the old index.
        assert await recommender.index(state.sessionmaker, config) is before
        for _ in range(100):
            await asyncio.sleep(0.05)
            current = await recommender.index(state.sessionmaker, config)
            if current is not before:
                break
        assert current.catalogue.get("appendix") is not None
        assert len(current.catalogue) == len(before.catalogue) + 1
