"""Loopback servers that speak the OpenAI and Anthropic wire formats (see loopback.py).

Shipped with the package for the test suite and the benchmarks, and for anyone who wants to
try prompts and provider settings against a provider that behaves badly on purpose.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tailored.testing.loopback import Behaviour, FakeServer, Received


def _pieces(text: str) -> list[str]:
    words = text.split(" ")
    return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]


class OpenAIServer(FakeServer):
    """POST /v1/chat/completions, JSON or `stream: true` SSE ending in `data: [DONE]`."""

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def error_body(self, code: int) -> bytes:
        kind = "rate_limit_exceeded" if code == 429 else "server_error"
        return json.dumps(
            {"error": {"message": f"fake {code}", "type": kind, "param": None, "code": kind}}
        ).encode()

    def message(self, req: Received, b: Behaviour) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": req.body.get("model", "?"),
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "length" if b.kind == "truncated" else "stop",
                    "message": {"role": "assistant", "content": b.answer(req)},
                }
            ],
            "usage": {
                "prompt_tokens": b.input_tokens,
                "completion_tokens": b.output_tokens,
                "total_tokens": b.input_tokens + b.output_tokens,
            },
        }

    def stream_events(self, req: Received, b: Behaviour) -> list[bytes]:
        model = req.body.get("model", "?")

        def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
            data = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps(data)}\n\n".encode()

        events = [chunk({"role": "assistant", "content": ""}, None)]
        events += [chunk({"content": p}, None) for p in _pieces(b.answer(req))]
        events.append(chunk({}, "length" if b.kind == "truncated" else "stop"))
        usage = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [],
            "usage": {
                "prompt_tokens": b.input_tokens,
                "completion_tokens": b.output_tokens,
                "total_tokens": b.input_tokens + b.output_tokens,
            },
        }
        events.append(f"data: {json.dumps(usage)}\n\n".encode())
        events.append(b"data: [DONE]\n\n")
        return events


class AnthropicServer(FakeServer):
    """POST /v1/messages, JSON or the named-event SSE stream (message_start … message_stop)."""

    @property
    def base_url(self) -> str:
        return self.root

    def error_body(self, code: int) -> bytes:
        kind = {429: "rate_limit_error", 529: "overloaded_error"}.get(code, "api_error")
        return json.dumps(
            {"type": "error", "error": {"type": kind, "message": f"fake {code}"}}
        ).encode()

    def message(self, req: Received, b: Behaviour) -> dict[str, Any]:
        return {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": req.body.get("model", "?"),
            "content": [{"type": "text", "text": b.answer(req)}],
            "stop_reason": "max_tokens" if b.kind == "truncated" else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": b.input_tokens, "output_tokens": b.output_tokens},
        }

    def stream_events(self, req: Received, b: Behaviour) -> list[bytes]:
        def event(name: str, data: dict[str, Any]) -> bytes:
            return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()

        start = self.message(req, b) | {
            "content": [],
            "stop_reason": None,
            "usage": {"input_tokens": b.input_tokens, "output_tokens": 1},
        }
        events = [
            event("message_start", {"message": start}),
            event(
                "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
            ),
        ]
        events += [
            event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": p}})
            for p in _pieces(b.answer(req))
        ]
        events += [
            event("content_block_stop", {"index": 0}),
            event(
                "message_delta",
                {
                    "delta": {
                        "stop_reason": "max_tokens" if b.kind == "truncated" else "end_turn",
                        "stop_sequence": None,
                    },
                    "usage": {"output_tokens": b.output_tokens},
                },
            ),
            event("message_stop", {}),
        ]
        return events


# -- reading what the model was asked (for `reply` responders) ------------------------------

_SECTION_RE = re.compile(r"<<<SECTION (\w+)\n(.*)\nSECTION \1>>>", re.DOTALL)


def user_text(req: Received) -> str:
    """The last user message, from either wire format."""
    content = req.body["messages"][-1]["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return str(content)


def system_text(req: Received) -> str:
    """The system prompt: Anthropic's `system` field, or OpenAI's system message."""
    if "system" in req.body:
        system = req.body["system"]
        return system if isinstance(system, str) else "".join(p["text"] for p in system)
    return "".join(m["content"] for m in req.body["messages"] if m["role"] == "system")


def section_of(req: Received) -> str:
    """The masked section the model was asked to rewrite."""
    match = _SECTION_RE.search(user_text(req))
    assert match is not None, user_text(req)
    return match.group(2)
