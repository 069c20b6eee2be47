"""The pipeline: audience key, shared storage, verification, expiry, eviction, logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tailored.content import service as content
from tailored.housekeeping import cleanup, clear_translations
from tailored.kit.cache import Cache
from tailored.models import (
    Chapter,
    MachineTranslation,
    PersonalizedResult,
    RequestLog,
    RequestStatus,
)
from tailored.personalization.engine import Personalizer
from tailored.profiles.schemas import ProfileData
from tailored.state import AppState
from tests.personalization.adapters import CodeBreakingAdapter, FailingAdapter, NoteAdapter
from tests.personalization.conftest import CHAPTER, make_personalizer, write_docs


def learner(**fields: object) -> ProfileData:
    return ProfileData.model_validate(
        {"software_level": "beginner", "hardware_level": "none", **fields}
    )


BEGINNER = learner()


async def _stored(sessionmaker: async_sessionmaker[AsyncSession]) -> list[PersonalizedResult]:
    async with sessionmaker() as session:
        return list((await session.execute(select(PersonalizedResult))).scalars())


class TestSharing:
    async def test_second_request_is_served_from_storage(
        self, sessionmaker: async_sessionmaker[AsyncSession], cache: Cache, chapter: Chapter
    ) -> None:
        adapter = NoteAdapter()
        engine = make_personalizer(sessionmaker, cache, adapter)
        first = await engine.personalize(chapter, BEGINNER, user_id=None)
        second = await engine.personalize(chapter, BEGINNER, user_id=None)
        assert (first.cached, second.cached) == (False, True)
        assert first.content == second.content
        assert "Written for a beginner learner." in first.content
        assert [t.name for t in first.applied] == ["note"]
        assert adapter.calls == 1

    async def test_unread_fields_share_and_read_fields_split(
        self, sessionmaker: async_sessionmaker[AsyncSession], cache: Cache, chapter: Chapter
    ) -> None:
        engine = make_personalizer(sessionmaker, cache)
        a = learner(interests=["drones"], role="student")
        b = learner(interests=["humanoids"], preferred_language="ur")
        c = learner(software_level="advanced")
        ra = await engine.personalize(chapter, a, user_id=None)
        rb = await engine.personalize(chapter, b, user_id=None)
        rc = await engine.personalize(chapter, c, user_id=None)
        assert ra.audience_key == rb.audience_key
        assert rb.cached
        assert rc.audience_key != ra.audience_key
        assert len(await _stored(sessionmaker)) == 2

    async def test_hot_copy_lost_falls_back_to_the_database(
        self, sessionmaker: async_sessionmaker[AsyncSession], cache: Cache, chapter: Chapter
    ) -> None:
        adapter = NoteAdapter()
        engine = make_personalizer(sessionmaker, cache, adapter)
        first = await engine.personalize(chapter, BEGINNER, user_id=None)
        await engine.forget_all()
        again = await engine.personalize(chapter, BEGINNER, user_id=None)
        assert again.cached
        assert again.content == first.content
        assert adapter.calls == 1

    async def test_editing_the_chapter_moves_the_key(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: Cache,
        chapter: Chapter,
        tmp_path: Path,
        state: AppState,
    ) -> None:
        engine = make_personalizer(sessionmaker, cache)
        async with sessionmaker() as session:
            before = await engine.personalize(chapter, BEGINNER, user_id=None)
            write_docs(tmp_path / "docs", CHAPTER.replace("on a topic", "on a named topic"))
            await content.ingest(session, tmp_path / "docs")
            await session.commit()
            edited = await content.get_chapter(session, "publishers")
            after = await engine.personalize(edited, BEGINNER, user_id=None)
            assert after.audience_key != before.audience_key
            assert not after.cached
            assert "named topic" in after.content
            report = await cleanup(session, state.settings, engine)
            await session.commit()
        assert report.stale_results == 1
        assert [r.key for r in await _stored(sessionmaker)] == [after.audience_key]


class TestVerification:
    async def test_rejected_output_serves_the_original_and_is_not_stored(
        self, sessionmaker: async_sessionmaker[AsyncSession], cache: Cache, chapter: Chapter
    ) -> None:
        engine = make_personalizer(sessionmaker, cache, CodeBreakingAdapter())
        result = await engine.personalize(chapter, BEGINNER, user_id=None)
        assert not result.verified
        assert result.content == chapter.source
        assert result.warning is not None
        assert any("code" in issue for issue in result.issues)
        assert await _stored(sessionmaker) == []
        await engine.recorder.flush()
        async with sessionmaker() as session:
            logged = (await session.execute(select(RequestLog))).scalars().one()
        assert logged.status is RequestStatus.rejected
        assert logged.error

    async def test_adapter_crash_serves_the_original_and_logs_failure(
        self, sessionmaker: async_sessionmaker[AsyncSession], cache: Cache, chapter: Chapter
    ) -> None:
        engine = make_personalizer(sessionmaker, cache, FailingAdapter())
        result = await engine.personalize(chapter, BEGINNER, user_id=None)
        assert result.content == chapter.source
        assert not result.verified
        await engine.recorder.flush()
        async with sessionmaker() as session:
            logged = (await session.execute(select(RequestLog))).scalars().one()
        assert logged.status is RequestStatus.failure
        assert "model on fire" in (logged.error or "")


class TestExpiryAndEviction:
    async def test_expired_entry_is_regenerated_and_cleaned(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: Cache,
        chapter: Chapter,
        state: AppState,
    ) -> None:
        adapter = NoteAdapter()
        engine = make_personalizer(sessionmaker, cache, adapter)
        async with sessionmaker() as session:
            await engine.personalize(chapter, BEGINNER, user_id=None)
            await session.execute(
                update(PersonalizedResult).values(
                    expires_at=datetime.now(UTC) - timedelta(seconds=1)
                )
            )
            await engine.forget_all()
            again = await engine.personalize(chapter, BEGINNER, user_id=None)
            assert not again.cached
            assert adapter.calls == 2
            await session.execute(
                update(PersonalizedResult).values(
                    expires_at=datetime.now(UTC) - timedelta(seconds=1)
                )
            )
            report = await cleanup(session, state.settings, engine)
        assert report.expired_results == 1

    async def test_cap_evicts_the_least_recently_used(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: Cache,
        chapter: Chapter,
        state: AppState,
    ) -> None:
        engine = make_personalizer(sessionmaker, cache)
        levels = ["beginner", "intermediate", "advanced"]
        keys = {}
        async with sessionmaker() as session:
            for level in levels:
                profile = learner(software_level=level)
                keys[level] = (
                    await engine.personalize(chapter, profile, user_id=None)
                ).audience_key
            # Use "beginner" again, so "intermediate" is the least recently used.
            await session.execute(
                update(PersonalizedResult).values(
                    last_used_at=datetime.now(UTC) - timedelta(hours=1)
                )
            )
            await engine.personalize(chapter, BEGINNER, user_id=None)
            await engine.recorder.flush()
            state.settings.personalization_max_entries = 2
            report = await cleanup(session, state.settings, engine)
            await session.commit()
        assert report.evicted_results == 1
        remaining = {r.key for r in await _stored(sessionmaker)}
        assert keys["intermediate"] not in remaining
        assert keys["beginner"] in remaining
        assert await cache.get(f"pz:{keys['intermediate']}") is None


class TestRecording:
    async def test_log_rows_and_touches(
        self, sessionmaker: async_sessionmaker[AsyncSession], cache: Cache, chapter: Chapter
    ) -> None:
        engine: Personalizer = make_personalizer(sessionmaker, cache)
        for _ in range(3):
            await engine.personalize(chapter, BEGINNER, user_id=None)
        assert engine.recorder.pending > 0
        await engine.recorder.flush()
        assert engine.recorder.pending == 0
        async with sessionmaker() as session:
            logs = list(
                (await session.execute(select(RequestLog).order_by(RequestLog.id))).scalars()
            )
            stored = (await session.execute(select(PersonalizedResult))).scalars().one()
        assert [row.cached for row in logs] == [False, True, True]
        assert all(row.status is RequestStatus.success for row in logs)
        assert all(row.latency_ms > 0 for row in logs)
        assert stored.hits == 2


class TestWarm:
    async def test_warm_fills_every_chapter_for_the_top_audiences(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: Cache,
        state: AppState,
        tmp_path: Path,
    ) -> None:
        from tailored.housekeeping import warm
        from tests.fixtures.accounts import create_user

        docs = write_docs(tmp_path / "more")
        (docs / "second.md").write_text("# Second\n\nMore text.\n")
        engine = make_personalizer(sessionmaker, cache)
        async with sessionmaker() as session:
            await content.ingest(session, docs)
            await session.commit()
            chapter = await content.get_chapter(session, "publishers")
            # History: three learners at intermediate, one at advanced, one at beginner.
            for level, learners in (("intermediate", 3), ("advanced", 2), ("beginner", 1)):
                for _ in range(learners):
                    user = await create_user(state)
                    profile = learner(software_level=level)
                    await engine.personalize(chapter, profile, user_id=user.id)
            await engine.recorder.flush()
            generated, stored = await warm(session, engine, audiences=2)
            await session.commit()
        # Top two audiences (intermediate, advanced) × 2 chapters; "publishers" already stored.
        assert (generated, stored) == (2, 2)
        levels = {r.audience["software_level"] for r in await _stored(sessionmaker)}
        assert levels == {"beginner", "intermediate", "advanced"}


class TestTranslationCleanup:
    async def test_cleanup_and_clear_cover_machine_translations(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: Cache,
        chapter: Chapter,
        state: AppState,
    ) -> None:
        now = datetime.now(UTC)

        def row(key: str, source_hash: str, expires_in: timedelta) -> MachineTranslation:
            return MachineTranslation(
                key=key,
                chapter_id=chapter.id,
                lang="es",
                source_hash=source_hash,
                text_hash=source_hash,
                personalized=False,
                translator="apertium:eng-spa@x",
                status="success",
                content="hola",
                unfinished=[],
                size_bytes=4,
                created_at=now,
                expires_at=now + expires_in,
            )

        async with sessionmaker() as session:
            session.add_all(
                [
                    row("live", chapter.source_hash, timedelta(days=1)),
                    row("expired", chapter.source_hash, -timedelta(seconds=1)),
                    row("stale", "an-older-source", timedelta(days=1)),
                ]
            )
            await session.flush()
            report = await cleanup(session, state.settings, make_personalizer(sessionmaker, cache))
            left = (await session.execute(select(MachineTranslation.key))).scalars().all()
            assert (report.expired_translations, report.stale_translations) == (1, 1)
            assert left == ["live"]
            assert await clear_translations(session, state.translator) == 1
            assert (await session.execute(select(MachineTranslation.key))).first() is None
