"""Inline facts the verifier compares: link targets and JSX/HTML tag balance."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

from tailored.markdown._parser import parse_inline

_TAG_RE = re.compile(r"<(/?)([A-Za-z][\w.:-]*)(?:[^<>{}\"']|\"[^\"]*\"|'[^']*'|\{[^{}]*\})*?(/?)>")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
_VOID = frozenset(
    {"area", "base", "basefont", "br", "col", "embed", "frame", "hr", "img", "input", "link"}
    | {"meta", "param", "source", "track", "wbr"}
)


@dataclass(frozen=True, slots=True)
class InlineFacts:
    """Link/image targets (with the 1-based line of their first use) and tag imbalance."""

    targets: dict[str, int]
    tag_balance: dict[str, int]


def _count_tags(text: str, balance: Counter[str]) -> None:
    for closing, name, self_closing in _TAG_RE.findall(_COMMENT_RE.sub("", text)):
        if self_closing or name.lower() in _VOID:
            continue
        balance[name] += -1 if closing else 1


def collect(tokens: list[Token], env: dict[str, Any]) -> InlineFacts:
    """Parse just the inline content that can hold links or tags, and gather the facts."""
    targets: dict[str, int] = {}
    balance: Counter[str] = Counter()
    for token in tokens:
        if token.type == "html_block":
            _count_tags(token.content, balance)
            continue
        if token.type != "inline" or ("[" not in token.content and "<" not in token.content):
            continue
        line = token.map[0] + 1 if token.map else 0
        for child in parse_inline(token.content, env):
            if child.type == "link_open":
                targets.setdefault(str(child.attrs.get("href", "")), line)
            elif child.type == "image":
                targets.setdefault(str(child.attrs.get("src", "")), line)
            elif child.type == "html_inline":
                _count_tags(child.content, balance)
    return InlineFacts(targets, {name: n for name, n in balance.items() if n})
