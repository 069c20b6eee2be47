"""The Segment-compatible intake: /v1/batch, /v1/track, /v1/page, /v1/identify, /v1/alias.

The write key is a site API key (`tailored keys create NAME`), sent as the HTTP Basic user
name or as `writeKey` in the body (Segment's libraries do either); gzip bodies are accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request

from tailored.deps import CacheDep, SessionDep, SettingsDep
from tailored.errors import BadRequest, error_responses
from tailored.signals import intake, keys
from tailored.signals.identity import learner_for_anonymous, learner_for_site_user
from tailored.signals.keys import InvalidSiteKey, Site
from tailored.signals.schemas import Signal
from tailored.signals.segment import mapping as segment

router = APIRouter(prefix="/v1", tags=["segment"])

# Segment caps a batch at 500 KB; a body that inflates past this is refused, not buffered.
MAX_BODY_BYTES = 8 * 1024 * 1024


class BodyTooLarge(BadRequest):
    status_code = 413


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"body over {MAX_BODY_BYTES} bytes")
    if request.headers.get("content-encoding", "").lower() == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            raw = inflater.decompress(raw, MAX_BODY_BYTES)
        except zlib.error as exc:
            raise BadRequest(f"body is not valid gzip: {exc}") from exc
        if inflater.unconsumed_tail:
            raise BodyTooLarge(f"body inflates past {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def _write_key(request: Request, body: dict[str, Any]) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic" and value:
        try:
            user, _, _ = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidSiteKey() from exc
        return user
    key = body.get("writeKey")
    if isinstance(key, str) and key:
        return key
    raise InvalidSiteKey("send the write key as the HTTP Basic user name")


async def _ingest(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cache: CacheDep,
    background: BackgroundTasks,
    *,
    single: str | None,
) -> dict[str, Any]:
    body = await _body(request)
    site = await keys.site_for_key(session, cache, _write_key(request, body))
    config = settings.signals
    if single is None:
        messages = body.get("batch")
        if not isinstance(messages, list):
            raise BadRequest("batch must be a list of messages")
    else:
        messages = [body]
    if len(messages) > config.max_batch:
        raise BadRequest(f"at most {config.max_batch} messages per batch")
    parsed = segment.parse(messages, config.segment_mapping(), default_type=single)
    signals, errors, ignored = await _signals(session, site, parsed)
    merges = await _merges(session, site, parsed)
    accepted = await intake.accept(session, cache, config, signals, merges=merges)
    background.add_task(accepted.finish)
    result = accepted.result
    return {
        "success": True,
        "inserted": result.inserted,
        "duplicates": result.duplicates,
        "collapsed": result.collapsed,
        "ignored": ignored,
        "merged": accepted.merged,
        "errors": [{"index": i, "detail": d} for i, d in sorted(errors, key=lambda e: e[0])],
    }


async def _signals(
    session: SessionDep, site: Site, parsed: segment.Parsed
) -> tuple[list[Signal], list[tuple[int, list[dict[str, Any]]]], int]:
    drafts = parsed.drafts
    refs = [(d.message.user_id, d.message.anonymous_id) for d in drafts]
    learners = await intake.site_learners(session, site, refs)
    known = await intake.known_content(session, [d.content for d in drafts if d.content])
    errors = list(parsed.errors)
    ignored = parsed.ignored
    signals: list[Signal] = []
    for draft, learner in zip(drafts, learners, strict=True):
        content = known.get(draft.content) if draft.content else None
        if content is None:
            if draft.message.type == "track" and draft.content:
                problem = {"type": "value_error", "loc": ["properties", "content_id"]}
                errors.append((draft.index, [{**problem, "msg": "no such content"}]))
            else:
                ignored += 1  # a page that is not a chapter, or an event about nothing
            continue
        session_id = draft.message.properties.get("session_id")
        signals.append(
            Signal(
                id=draft.message.message_id,
                learner=learner,
                type=draft.kind,
                occurred_at=draft.occurred_at,
                content_id=content,
                content_type=draft.content_type,
                session_id=str(session_id)[:128] if session_id else None,
                metadata=draft.metadata,
                source="segment",
            )
        )
    return signals, errors, ignored


async def _merges(session: SessionDep, site: Site, parsed: segment.Parsed) -> list[intake.Merge]:
    """identify (anonymousId → userId) and alias (previousId → userId): whose history moves
    where. A previous id may have been anonymous or a user id of the site: both move."""
    moves: list[tuple[str, str]] = [
        (learner_for_anonymous(site.prefix, m.anonymous_id), m.user_id)
        for m in parsed.identifies
        if m.user_id is not None and m.anonymous_id is not None
    ]
    for m in parsed.aliases:
        if m.user_id is not None and m.previous_id is not None:  # (parse checked both)
            moves.append((learner_for_anonymous(site.prefix, m.previous_id), m.user_id))
            moves.append((learner_for_site_user(site.prefix, m.previous_id), m.user_id))
    targets = await intake.site_learners(session, site, [(user, None) for _, user in moves])
    return [
        intake.Merge(source=source, target=target)
        for (source, _), target in zip(moves, targets, strict=True)
        if source != target
    ]


_ERRORS = error_responses(InvalidSiteKey, BadRequest, BodyTooLarge)


# Segment's calls: one intake; a single-message call's type is implied by its path.
CALLS: dict[str, tuple[str | None, str]] = {
    "batch": (None, 'Segment\'s batch call: `{"batch": [track | page | identify ...]}`.'),
    "track": (
        "track",
        "Segment's track call; the event name maps to a signal type (signals.segment_events).",
    ),
    "page": (
        "page",
        "Segment's page call: a view of the chapter its path (or properties.content_id) names.",
    ),
    "identify": (
        "identify",
        "Segment's identify call: with userId and anonymousId, the visitor's events move to "
        "the user (sign-in).",
    ),
    "alias": (
        "alias",
        "Segment's alias call: the history under `previousId` (an anonymous id or a former "
        "user id) moves to `userId`.",
    ),
}


def _call(name: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    single, doc = CALLS[name]

    async def call(
        request: Request,
        session: SessionDep,
        settings: SettingsDep,
        cache: CacheDep,
        background: BackgroundTasks,
    ) -> dict[str, Any]:
        return await _ingest(request, session, settings, cache, background, single=single)

    call.__doc__ = doc
    call.__name__ = name
    return call


for _name in CALLS:
    router.post(f"/{_name}", responses=_ERRORS, name=_name)(_call(_name))
