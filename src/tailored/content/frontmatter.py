"""Front matter and the values in it, checked the way Docusaurus checks them (Joi rules)."""

from __future__ import annotations

import math
import re
from typing import Any

from tailored.content.problems import ChapterParseError
from tailored.kit.yamltext import YamlError, parse_yaml
from tailored.markdown import Document

__all__ = [
    "as_number",
    "load_docusaurus_yaml",
    "optional_string",
    "read_front_matter",
    "yaml_kind",
]

_MAX_FRONT_MATTER_NODES = 100_000
_MAX_FRONT_MATTER_DEPTH = 64


def load_docusaurus_yaml(text: str, *, first_line: int) -> Any:
    """YAML as Docusaurus reads it; errors name the 1-based line in the file.

    ``first_line`` is the file line number of the YAML text's first line.
    """
    try:
        return parse_yaml(text, docusaurus=True, first_line=first_line)
    except YamlError as exc:
        raise ChapterParseError(str(exc)) from exc


def _json_problem(value: Any, budget: list[int], depth: int = 0) -> str | None:
    """Why ``value`` cannot be stored as JSON, or None.

    The node budget counts aliased YAML nodes once per use, so "billion laughs" documents
    stop here instead of exploding later when serialised.
    """
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_FRONT_MATTER_DEPTH:
        return "is too large or nested too deeply"
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "contains a non-finite number"
    if isinstance(value, list):
        for item in value:
            problem = _json_problem(item, budget, depth + 1)
            if problem is not None:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"has a key that is not a string: {key!r}"
            problem = _json_problem(item, budget, depth + 1)
            if problem is not None:
                return problem
        return None
    return f"contains a value of unsupported type {type(value).__name__}"


def yaml_kind(value: Any) -> str:
    """``"a list"``, ``"a string"``…: what a value is, for an error message."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


_NUMBER_TEXT_RE = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def as_number(value: Any) -> float | None:
    """A Joi ``number()``: numbers and numeric strings; anything else gives None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _NUMBER_TEXT_RE.fullmatch(value):
        number = float(value)
    else:
        return None
    return number if math.isfinite(number) else None


def optional_string(front_matter: dict[str, Any], key: str) -> str | None:
    """A front matter value that must be a string when present."""
    value = front_matter.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ChapterParseError(f"front matter {key!r} must be a string, not {yaml_kind(value)}")
    return value


def read_front_matter(document: Document) -> dict[str, Any]:
    """The front matter mapping ({} without front matter), JSON-compatible."""
    raw = document.front_matter
    if raw is None:
        return {}
    try:
        data = load_docusaurus_yaml(raw, first_line=2)
    except ChapterParseError as exc:
        raise ChapterParseError(f"invalid YAML front matter: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ChapterParseError(f"front matter must be a mapping, not {yaml_kind(data)}")
    problem = _json_problem(data, [_MAX_FRONT_MATTER_NODES])
    if problem is not None:
        raise ChapterParseError(f"front matter {problem}")
    return data
