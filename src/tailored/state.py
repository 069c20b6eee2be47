"""The resources one running app holds, built in the lifespan and handed out by dependencies."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tailored.accounts.security import Passwords
from tailored.config import Settings
from tailored.content.service import NearChapters
from tailored.derived.recorder import Recorder
from tailored.flags.book import FlagBook
from tailored.flags.exposures import Exposures, signal_writer
from tailored.flags.rules import evaluate, reads_traits
from tailored.flags.service import PROFILE_ATTRIBUTES
from tailored.kit.cache import Cache, create_cache
from tailored.kit.db import create_engine, create_sessionmaker, reading
from tailored.llm.router import ProviderChain, build_chain
from tailored.personalization.adapter import Adapter
from tailored.personalization.adapters import build_adapter
from tailored.personalization.engine import Personalizer
from tailored.profiles import service as profiles
from tailored.profiles.schemas import ProfileData
from tailored.recommendations.engine import Recommender
from tailored.signals import structures
from tailored.signals.identity import user_of
from tailored.stream.brokers import broker_url, create_broker
from tailored.stream.relay import Relay
from tailored.translation.engine import Translator
from tailored.tutor.engine import Tutor

log = logging.getLogger("tailored.flags")


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    cache: Cache
    passwords: Passwords
    recorder: Recorder
    personalizer: Personalizer
    translator: Translator
    # The tutor: its section index follows the library (tutor/library.py).
    tutor: Tutor
    # Feature flags kept in memory, and the exposures evaluations queue (flags/).
    flags: FlagBook
    exposures: Exposures
    # Publishes the outbox to the broker; `serve` runs it (settings.stream.relay_in_serve).
    relay: Relay
    # Chapters for the routes that generate, kept near for a moment (content.service).
    chapters: NearChapters = field(default_factory=NearChapters)
    # The recommendations index (catalogue, similar content), built per content generation.
    recommender: Recommender = field(default_factory=Recommender)
    # The configured language-model providers in fallback order; None: LLM features off.
    llm: ProviderChain | None = None
    # Run after a sign-in, off the response path (signals warms the learner's cache entries).
    login_hooks: list[Callable[[uuid.UUID], Awaitable[None]]] = field(default_factory=list)
    # Every configured adapter's personalizer by adapter name (the default's among them), for
    # the personalization flag to pick from (personalizer_for).
    personalizers: dict[str, Personalizer] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        engine: AsyncEngine | None = None,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        cache: Cache | None = None,
        adapter: Adapter | None = None,
        llm: ProviderChain | None = None,
    ) -> AppState:
        """Build from settings; tests pass their own engine, sessionmaker, cache or adapter."""
        engine = engine or create_engine(
            settings.database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )
        sessionmaker = sessionmaker or create_sessionmaker(engine)
        # `is None`, not `or`: an empty MemoryCache is falsy (it has a length).
        if cache is None:
            cache = create_cache(settings.cache_url, namespace=settings.cache_namespace)
        recorder = Recorder(sessionmaker)
        llm = llm or build_chain(settings.llm)
        adapter = adapter or build_adapter(
            settings.adapter,
            chain=llm,
            prompts_dir=settings.llm_prompts_dir,
            budget_seconds=settings.llm_budget_seconds,
        )
        built = cls(
            settings=settings,
            engine=engine,
            sessionmaker=sessionmaker,
            cache=cache,
            passwords=Passwords(
                time_cost=settings.argon2_time_cost,
                memory_cost_kib=settings.argon2_memory_cost_kib,
            ),
            recorder=recorder,
            personalizer=Personalizer(
                adapter=adapter,
                cache=cache,
                recorder=recorder,
                sessionmaker=sessionmaker,
                ttl_seconds=settings.personalization_ttl_seconds,
                partial_ttl_seconds=settings.personalization_retry_seconds,
                lock_ttl=settings.personalization_lock_ttl_seconds,
                content_dir=settings.content_dir,
            ),
            translator=Translator.build(
                settings, cache=cache, recorder=recorder, llm=llm, sessionmaker=sessionmaker
            ),
            tutor=Tutor(
                settings.tutor,
                recorder=recorder,
                sessionmaker=sessionmaker,
                llm=llm,
                label=llm.label if llm is not None else "",
            ),
            flags=FlagBook(sessionmaker, refresh_seconds=settings.flags.refresh_seconds),
            exposures=Exposures(
                signal_writer(sessionmaker, settings.signals),
                enabled=settings.flags.record_exposures,
            ),
            relay=Relay(
                sessionmaker,
                create_broker(broker_url(settings.stream, settings.cache_url), settings.stream),
                cache=cache,
                batch_size=settings.stream.batch_size,
                poll_seconds=settings.stream.poll_seconds,
            ),
            llm=llm,
        )
        built.personalizers = _personalizers(built.personalizer, settings, llm)
        built.login_hooks.append(
            partial(structures.warm, sessionmaker, cache, config=settings.signals)
        )
        return built

    async def personalizer_for(
        self, learner: str | None, profile: ProfileData, *, targeting_key: str | None = None
    ) -> Personalizer:
        """The personalizer for one learner (a learner key, tailored.signals.identity): the
        adapter the personalization flag's variant names, sticky per learner, with the
        exposure recorded; the default one when the flag is absent or off, there is no
        learner, or the variant names an adapter that is not configured.

        The split is on `targeting_key`, by default the learner key: for an account that is
        its id, as OFREP has it; a site's user is split on the site's own user id, as OFREP
        does for a site, so a learner gets the same variant here as from OFREP."""
        key = self.settings.flags.personalization_flag
        if not key or not learner:
            return self.personalizer
        flag = (await self.flags.current()).get(key)
        if flag is None or not flag.enabled:
            return self.personalizer
        context = rollout_context(profile)
        if reads_traits(flag):
            context.update(await self._trait_context(learner))
        try:
            result = evaluate(flag, context, targeting_key or learner)
        except Exception:  # a broken flag must not stop personalization
            log.exception("evaluating flag %s failed; using the default adapter", key)
            return self.personalizer
        chosen = self.personalizers.get(str(result.value))
        if chosen is None:
            return self.personalizer  # e.g. "llm" with no provider: not exposed to it
        self.exposures.add(learner, key, flag.version, result.variant)
        return chosen

    async def _trait_context(self, learner: str) -> dict[str, object]:
        """`traits.<key>` values of an account's traits, as OFREP's context has them: read
        only for a flag whose rules name one, so other flags cost the hot route nothing."""
        user_id = user_of(learner)
        if user_id is None:
            return {}
        async with reading(self.sessionmaker) as session:
            traits = await profiles.list_traits(session, user_id)
        return {f"traits.{t.key}": t.value for t in traits}

    async def close(self) -> None:
        await self.exposures.stop()
        await self.relay.stop()
        await self.recorder.stop()
        self.tutor.close()
        if self.llm is not None:
            await self.llm.aclose()
        await self.cache.close()
        await self.engine.dispose()


def rollout_context(profile: ProfileData) -> dict[str, object]:
    """What the flag's rules may read: the profile fields, as OFREP's context has them (and
    `traits.<key>`, added by `personalizer_for` when a rule names one)."""
    data = profile.model_dump(mode="json")
    data["profile_completed"] = profile.profile_completed
    return {name: data.get(name) for name in PROFILE_ATTRIBUTES}


def _personalizers(
    default: Personalizer, settings: Settings, llm: ProviderChain | None
) -> dict[str, Personalizer]:
    """The default personalizer, and one for each other adapter that can be built (the
    `llm` one only with a provider configured); all share the stored results."""
    out = {default.adapter.name: default}
    for name in ("rules", "llm"):
        if name in out or (name == "llm" and llm is None):
            continue
        adapter = build_adapter(
            name,
            chain=llm,
            prompts_dir=settings.llm_prompts_dir,
            budget_seconds=settings.llm_budget_seconds,
        )
        out[name] = default.with_adapter(adapter)
    return out
