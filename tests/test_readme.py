"""Every link and file path in README.md must resolve in a fresh clone of the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")  # [text](target)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
PLAIN_PATH = re.compile(r"^[\w.-]+(/[\w.-]+)*/?$")


def _text() -> str:
    return README.read_text(encoding="utf-8")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(text: str) -> set[str]:
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.MULTILINE)}


class TestReadmeLinks:
    def test_relative_links_point_at_files_in_the_repository(self) -> None:
        text = _text()
        anchors = _anchors(text)
        missing = []
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            if not path:
                if anchor not in anchors:
                    missing.append(target)
                continue
            resolved = (README.parent / path).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                missing.append(target)
        assert missing == []

    def test_nothing_refers_outside_the_clone(self) -> None:
        # A clone has nothing above its root: ../anything is a dead reference for readers.
        outside = re.findall(r"(?<!\.)\.\./[\w./-]+", _text())
        assert outside == []

    def test_repository_paths_in_code_spans_exist(self) -> None:
        top = {p.name for p in ROOT.iterdir()}
        missing = []
        for span in CODE_SPAN.findall(_text()):
            if PLAIN_PATH.match(span) and "/" in span and span.split("/")[0] in top:
                if not (ROOT / span).exists():
                    missing.append(span)
        assert missing == []

    def test_the_checks_can_fail(self) -> None:
        # The slug rule matches a real heading, and an invented one is not found.
        assert "quick-start" in _anchors(_text())
        assert "no-such-heading" not in _anchors(_text())
