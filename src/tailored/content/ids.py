"""Chapter ids: how Docusaurus derives them from a doc's path, validation, safe paths.

Chapter ids are Docusaurus doc ids such as ``ros2/nodes-and-topics`` (from
``02-ros2/01-nodes-and-topics.md``). They reach the service from URLs and request bodies, so
everything that is not a plain relative id is refused before it can be used to build a
filesystem path.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from tailored.content.frontmatter import as_number, optional_string
from tailored.content.problems import ChapterParseError

__all__ = [
    "CHAPTER_ID_PATTERN",
    "MAX_CHAPTER_ID_LENGTH",
    "InvalidChapterId",
    "doc_identity",
    "resolve_inside",
    "split_number_prefix",
    "validate_chapter_id",
]

MAX_CHAPTER_ID_LENGTH = 200

_SEGMENT = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_SEGMENT_RE = re.compile(_SEGMENT)
# Everything `validate_chapter_id` accepts, as the OpenAPI document publishes it (with
# MAX_CHAPTER_ID_LENGTH): a segment starting with a letter or digit can be neither "." nor
# "..", and the character set leaves out "%", backslash, control characters and empty segments.
CHAPTER_ID_PATTERN = rf"^{_SEGMENT}(/{_SEGMENT})*$"


class InvalidChapterId(ValueError):
    """Raised for a chapter id or relative path that is not a safe relative reference."""


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code < 0xA0


def _check_common(raw: str, *, what: str, max_length: int) -> None:
    if not raw:
        raise InvalidChapterId(f"{what} is empty")
    if len(raw) > max_length:
        raise InvalidChapterId(f"{what} is longer than {max_length} characters")
    if any(_is_control(char) for char in raw):
        raise InvalidChapterId(f"{what} contains a control character")
    if "\\" in raw:
        raise InvalidChapterId(f"{what} contains a backslash")
    if raw.startswith("/"):
        raise InvalidChapterId(f"{what} is an absolute path")
    for segment in raw.split("/"):
        if segment in (".", ".."):
            raise InvalidChapterId(f"{what} contains a '{segment}' segment")
        if not segment:
            raise InvalidChapterId(f"{what} contains an empty segment")


def validate_chapter_id(raw: str) -> str:
    """Return ``raw`` unchanged if it is a relative doc id, else raise InvalidChapterId."""
    if not isinstance(raw, str):
        raise InvalidChapterId("chapter id must be a string")
    _check_common(raw, what="chapter id", max_length=MAX_CHAPTER_ID_LENGTH)
    # Ids are compared and stored as given, so URL escapes are refused rather than decoded:
    # a decoded "%2e%2e%2f" would otherwise smuggle a ".." segment past these checks.
    if "%" in raw:
        raise InvalidChapterId("chapter id contains '%'")
    for segment in raw.split("/"):
        if not _SEGMENT_RE.fullmatch(segment):
            raise InvalidChapterId(
                f"chapter id segment {segment!r} must start with a letter or digit and "
                "contain only letters, digits, '.', '_' or '-'"
            )
    return raw


def resolve_inside(root: Path, relative: str) -> Path:
    """Resolve ``relative`` under ``root``; raise InvalidChapterId unless it stays inside.

    Symbolic links are resolved first, so a link inside ``root`` that points elsewhere is
    refused. The returned path need not exist.
    """
    if not isinstance(relative, str):
        raise InvalidChapterId("relative path must be a string")
    _check_common(relative, what="relative path", max_length=4096)
    try:
        base = root.resolve()
        candidate = (base / relative).resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: symlink loop on Python 3.11
        raise InvalidChapterId(f"{relative!r} cannot be resolved: {exc}") from exc
    if candidate == base or not candidate.is_relative_to(base):
        raise InvalidChapterId(f"{relative!r} resolves outside {root}")
    return candidate


# --- number prefixes (Docusaurus DefaultNumberPrefixParser) ---------------------------------

# Dates (2021-01-31) and versions (1.2-foo) look like prefixes but are kept whole.
_IGNORED_PREFIX_RE = re.compile(r"[0-9]+[-_.][0-9]+")
_NUMBER_PREFIX_RE = re.compile(r"(?P<number>[0-9]+)\s*[-_.]+\s*(?P<rest>[^-_.\s].*)\Z")


def split_number_prefix(name: str) -> tuple[str, int | None]:
    """``"01-intro"`` → ``("intro", 1)``; names without a prefix come back with None."""
    if _IGNORED_PREFIX_RE.match(name):
        return name, None
    match = _NUMBER_PREFIX_RE.match(name)
    if match is None:
        return name, None
    return match.group("rest"), int(match.group("number"))


def doc_identity(rel_path: str, front_matter: dict[str, Any]) -> tuple[str, float | None]:
    """Docusaurus doc id and sidebar position for a doc at ``rel_path``."""
    parse_prefixes = front_matter.get("parse_number_prefixes")
    if parse_prefixes is None:
        parse_prefixes = True
    elif parse_prefixes in ("true", "false"):
        parse_prefixes = parse_prefixes == "true"
    if not isinstance(parse_prefixes, bool):
        raise ChapterParseError("front matter 'parse_number_prefixes' must be true or false")

    path = PurePosixPath(rel_path)
    stem = path.stem
    number: int | None = None
    if parse_prefixes:
        stem, number = split_number_prefix(stem)

    explicit_id = optional_string(front_matter, "id")
    if explicit_id is not None:
        if not explicit_id:
            raise ChapterParseError("front matter 'id' must not be empty")
        if "/" in explicit_id:
            raise ChapterParseError(f"front matter id {explicit_id!r} must not contain '/'")
    base_id = explicit_id if explicit_id is not None else stem

    folders = [part for part in path.parent.parts if part != "."]
    if parse_prefixes:
        folders = [split_number_prefix(part)[0] for part in folders]
    doc_id = "/".join([*folders, base_id])

    position: float | None = None if number is None else float(number)
    if front_matter.get("sidebar_position") is not None:
        position = as_number(front_matter["sidebar_position"])
        if position is None:
            raise ChapterParseError("front matter 'sidebar_position' must be a number")
    return doc_id, position
