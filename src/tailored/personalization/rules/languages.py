"""Programming-language names as authors and learners spell them, reduced to one canonical id.

Tab values (`py`, `c++`), tab labels (`Python`, `C++`) and profile tags (`python3`) must meet on
one spelling, or a C++ learner would never see the `cpp` tab chosen for them.
"""

from __future__ import annotations

import re

_ALIASES: dict[str, tuple[str, ...]] = {
    "python": ("python", "py", "python3", "py3", "rclpy"),
    "cpp": ("cpp", "c++", "cxx", "cc", "hpp", "rclcpp"),
    "c": ("c", "ansi-c"),
    "bash": ("bash", "shell", "sh", "zsh", "console", "terminal", "shell-session", "cli"),
    "powershell": ("powershell", "pwsh", "ps1"),
    "javascript": ("javascript", "js", "node", "nodejs", "node.js", "jsx"),
    "typescript": ("typescript", "ts", "tsx"),
    "rust": ("rust", "rs"),
    "go": ("go", "golang"),
    "java": ("java",),
    "kotlin": ("kotlin", "kt"),
    "csharp": ("csharp", "c#", "cs", "dotnet", ".net"),
    "julia": ("julia", "jl"),
    "matlab": ("matlab", "octave"),
    "r": ("r", "rlang"),
    "swift": ("swift",),
    "lua": ("lua",),
    "cuda": ("cuda", "cu"),
}
_CANONICAL: dict[str, str] = {
    alias: name for name, aliases in _ALIASES.items() for alias in aliases
}


def canonical_language(name: str) -> str | None:
    """`"C++"` → `"cpp"`; None when the text names no known programming language."""
    return _CANONICAL.get(name.strip().lower())


def learner_languages(tags: list[str]) -> list[str]:
    """A profile's language tags, canonical, in the learner's order, unknown tags kept as is.

    Unknown tags are kept (lowercased) so that an author's `language:haskell` condition can
    still match a learner who typed "haskell".
    """
    seen: dict[str, None] = {}
    for tag in tags:
        seen.setdefault(canonical_language(tag) or tag.strip().lower(), None)
    return list(seen)


# Shell sessions are instructions, not an equivalent program in another language.
NOT_PROGRAMS = frozenset({"bash", "powershell"})
_FENCE_LINE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n]*$", re.MULTILINE)


def pair_languages(source: str) -> frozenset[str]:
    """Programming languages of back-to-back fences in different languages (one linear scan)."""
    found: set[str] = set()
    if source.count("```") + source.count("~~~") < 4:
        return frozenset()
    opened: tuple[str, str | None] | None = None  # (fence marker, language) of the open fence
    last: tuple[int, str | None] | None = None  # (end offset, language) of the last closed one
    for match in _FENCE_LINE_RE.finditer(source):
        marker, info = match.group(1), match.group(2)
        if opened is not None:
            if marker[0] == opened[0][0] and len(marker) >= len(opened[0]) and not info:
                last, opened = (match.end(), opened[1]), None
            continue
        language = canonical_language(info) if info else None
        if last is not None and not source[last[0] : match.start()].strip():
            first = last[1]
            if first and language and first != language and not {first, language} & NOT_PROGRAMS:
                found.update((first, language))
        opened = (marker, language)
    return frozenset(found)
