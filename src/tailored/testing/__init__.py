"""Test doubles that speak real protocols on loopback (no mocks): fake LLM providers.

Used by the test suite and the benchmarks; see loopback.py for how a behaviour is scripted.
"""

from tailored.testing.llm_servers import (
    AnthropicServer,
    OpenAIServer,
    section_of,
    system_text,
    user_text,
)
from tailored.testing.loopback import (
    Behaviour,
    FakeServer,
    Received,
    disconnect,
    malformed,
    ok,
    reply,
    slow,
    stall,
    status,
    truncated,
    wrong_shape,
)

__all__ = [
    "AnthropicServer",
    "Behaviour",
    "FakeServer",
    "OpenAIServer",
    "Received",
    "disconnect",
    "malformed",
    "ok",
    "reply",
    "section_of",
    "slow",
    "stall",
    "status",
    "system_text",
    "truncated",
    "user_text",
    "wrong_shape",
]
