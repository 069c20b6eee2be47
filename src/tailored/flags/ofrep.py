"""The OpenFeature Remote Evaluation Protocol's bodies (service/openapi.yaml of
open-feature/protocol): what a request may carry and what each answer looks like.

Success: `{key, value, variant, reason, metadata}`; a failure for one flag: `{key, errorCode,
errorDetails}` with 400 (PARSE_ERROR, TARGETING_KEY_MISSING, INVALID_CONTEXT, GENERAL) or 404
(FLAG_NOT_FOUND); bulk: `{flags: [...]}` with an ETag, 304 when If-None-Match names it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tailored.flags.rules import Evaluation, TargetingKeyMissing

MAX_BODY_BYTES = 64 * 1024


class OfrepError(Exception):
    def __init__(self, code: str, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Context:
    targeting_key: str | None
    attributes: dict[str, Any]


def parse_context(body: bytes) -> Context:
    """The request's context; an empty body is an empty context (the spec makes it optional)."""
    if len(body) > MAX_BODY_BYTES:
        raise OfrepError("PARSE_ERROR", f"the body is over {MAX_BODY_BYTES} bytes")
    if not body.strip():
        return Context(None, {})
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise OfrepError("PARSE_ERROR", f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise OfrepError("PARSE_ERROR", "the body must be a JSON object")
    raw = data.get("context")
    if raw is None:
        return Context(None, {})
    if not isinstance(raw, dict):
        raise OfrepError("INVALID_CONTEXT", "context must be a JSON object")
    attributes = dict(raw)
    key = attributes.pop("targetingKey", None)
    if key is not None and (not isinstance(key, str) or not key or len(key) > 256):
        raise OfrepError("INVALID_CONTEXT", "targetingKey must be a string of 1 to 256 characters")
    return Context(key, attributes)


def success(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "key": evaluation.key,
        "value": evaluation.value,
        "variant": evaluation.variant,
        "reason": evaluation.reason,
        "metadata": evaluation.metadata,
    }


def failure(key: str, exc: Exception) -> dict[str, Any]:
    code = "TARGETING_KEY_MISSING" if isinstance(exc, TargetingKeyMissing) else "GENERAL"
    return {"key": key, "errorCode": code, "errorDetails": str(exc) or type(exc).__name__}


def not_found(key: str) -> dict[str, Any]:
    return {"key": key, "errorCode": "FLAG_NOT_FOUND", "errorDetails": f"no flag {key!r}"}


def etag(payload: bytes) -> str:
    return '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'


def etag_matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    wanted = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in wanted or tag in wanted
