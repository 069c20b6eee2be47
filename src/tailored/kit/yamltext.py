"""YAML files authors write (glossaries, keep lists): parsed safely, errors with a line."""

from __future__ import annotations

from typing import Any

import yaml


def load_yaml(text: str) -> Any:
    """The document in `text`; ValueError("invalid YAML: line N: problem") when it is not YAML."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise ValueError(f"invalid YAML: {where}{getattr(exc, 'problem', exc)}") from None
