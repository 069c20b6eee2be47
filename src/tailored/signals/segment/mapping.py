"""Segment's tracking API (https://segment.com/docs/connections/sources/catalog/libraries/
server/http-api/) mapped onto signals, so an analytics SDK can send here by changing its host.

`track` → the signal type its event name maps to (settings signals.segment_events; names that
map nowhere are ignored); `page` → view; `identify` with both userId and anonymousId → the
anonymous visitor's events move to the user; `alias` (previousId → userId) → the history under
the previous id (an anonymous id or a former user id) moves to the user; `group` and `screen`
names that map nowhere are counted as ignored. `messageId` is the event id, `timestamp` when it
happened, `properties.content_id` (or a page path naming a chapter) the content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from tailored.signals.schemas import EVENT_ID


class SegmentMessage(BaseModel):
    """The fields of a Segment message Tailored reads; the rest are accepted and ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    type: str
    message_id: str = Field(alias="messageId", pattern=EVENT_ID)
    user_id: str | None = Field(default=None, alias="userId", min_length=1, max_length=128)
    anonymous_id: str | None = Field(
        default=None, alias="anonymousId", min_length=1, max_length=128
    )
    previous_id: str | None = Field(default=None, alias="previousId", min_length=1, max_length=128)
    event: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    properties: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    timestamp: AwareDatetime | None = None


@dataclass
class Draft:
    """A message read: the learner is resolved later, in one query for the batch."""

    index: int
    message: SegmentMessage
    kind: str
    # A content id, or a path that may name a chapter.
    content: str | None
    content_type: str
    occurred_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Parsed:
    drafts: list[Draft] = field(default_factory=list)
    identifies: list[SegmentMessage] = field(default_factory=list)
    aliases: list[SegmentMessage] = field(default_factory=list)
    errors: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)
    ignored: int = 0


_RESERVED = {"content_id", "content_type", "session_id", "path", "url"}
_MESSAGE_TYPES = {"track", "page", "identify", "screen", "group", "alias"}


def _error(msg: str, loc: str = "type") -> list[dict[str, Any]]:
    return [{"type": "value_error", "loc": [loc], "msg": msg}]


def page_content(path: str) -> str | None:
    """A docs URL or path → the chapter id (or slug) it may name, with "#anchor" for a
    heading: /docs/ros2/urdf#links, /reader#ros2/urdf:links, https://site/docs/intro/."""
    parts = urlsplit(path)
    route = parts.path.strip("/")
    fragment = parts.fragment
    if route in ("", "reader") and fragment:
        # The reader's own links: #chapter-id:anchor.
        chapter, _, anchor = fragment.partition(":")
        return f"{chapter}#{anchor}" if anchor else chapter or None
    route = re.sub(r"^(?:[a-z]{2}(?:-[A-Za-z]{2})?/)?docs/", "", route)
    route = re.sub(r"(?:/index)?\.html?$", "", route)
    if not route:
        return None
    return f"{route}#{fragment}" if fragment else route


def parse(
    messages: Sequence[Any], mapping: Mapping[str, str], *, default_type: str | None = None
) -> Parsed:
    """Validate each message; errors are by index, like POST /api/events."""
    out = Parsed()
    for index, raw in enumerate(messages):
        item = dict(raw) if isinstance(raw, Mapping) else raw
        if isinstance(item, dict) and default_type and "type" not in item:
            item["type"] = default_type
        try:
            msg = SegmentMessage.model_validate(item)
        except ValidationError as exc:
            detail = exc.errors(include_url=False, include_input=False, include_context=False)
            out.errors.append((index, [dict(d) for d in detail]))
            continue
        if msg.type not in _MESSAGE_TYPES:
            out.errors.append((index, _error(f"unknown message type {msg.type!r}")))
            continue
        if not (msg.user_id or msg.anonymous_id):
            out.errors.append((index, _error("userId or anonymousId is required", "userId")))
            continue
        if msg.type == "identify":
            out.identifies.append(msg)
            continue
        if msg.type == "alias":
            if not (msg.user_id and msg.previous_id):
                out.errors.append((index, _error("alias needs userId and previousId", "userId")))
            else:
                out.aliases.append(msg)
            continue
        if msg.type == "track":
            kind = mapping.get((msg.event or "").lower())
        elif msg.type in ("page", "screen"):
            kind = "view"
        else:
            kind = None
        if kind is None:
            out.ignored += 1
            continue
        props = msg.properties
        content = props.get("content_id")
        if not isinstance(content, str) or not content:
            page = props.get("path") or props.get("url") or msg.context.get("page", {}).get("path")
            content = page_content(page) if isinstance(page, str) else None
        content_type = props.get("content_type")
        if content_type not in ("chapter", "section"):
            content_type = "section" if content and "#" in content else "chapter"
        out.drafts.append(
            Draft(
                index=index,
                message=msg,
                kind=kind,
                content=content,
                content_type=content_type,
                occurred_at=msg.timestamp or datetime.now(UTC),
                metadata={k: v for k, v in props.items() if k not in _RESERVED},
            )
        )
    return out
