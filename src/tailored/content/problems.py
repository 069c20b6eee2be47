"""What can be wrong with a docs folder: the exception parsing raises, and a file's error."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChapterParseError", "LoadError"]


class ChapterParseError(ValueError):
    """A doc's (or category file's) text cannot be used; ``str(exc)`` is one line for a human."""


@dataclass(frozen=True)
class LoadError:
    """A file that could not be loaded, with a one-line reason."""

    path: str
    message: str
