"""The docs folder's glossary: `glossary.yml` (or `.yaml`) at its root.

    URDF: Unified Robot Description Format, the XML file that describes a robot's links and joints.
    ROS 2:
      definition: Robot Operating System 2, the middleware most robots here talk through.
      aliases: [ROS2]

Docusaurus ignores the file; Tailored defines each term for beginners on its first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tailored.kit.yamltext import load_yaml

GLOSSARY_FILES = ("glossary.yml", "glossary.yaml")
MAX_TERMS = 2000


@dataclass(frozen=True)
class ParsedTerm:
    term: str
    definition: str
    aliases: tuple[str, ...]


class GlossaryError(ValueError):
    """The glossary file is not a mapping of term → definition."""


def find_glossary(root: Path) -> Path | None:
    for name in GLOSSARY_FILES:
        path = root / name
        if path.is_file():
            return path
    return None


def parse_glossary(text: str) -> tuple[ParsedTerm, ...]:
    try:
        data = load_yaml(text)
    except ValueError as exc:
        raise GlossaryError(str(exc)) from None
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise GlossaryError("must be a mapping of term to definition")
    if len(data) > MAX_TERMS:
        raise GlossaryError(f"at most {MAX_TERMS} terms")
    terms: list[ParsedTerm] = []
    seen: set[str] = set()
    for term, entry in data.items():
        if not isinstance(term, str) or not term.strip():
            raise GlossaryError(f"term {term!r} must be non-empty text")
        if isinstance(entry, str):
            definition, aliases = entry, []
        elif isinstance(entry, dict) and isinstance(entry.get("definition"), str):
            definition, aliases = entry["definition"], entry.get("aliases", [])
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise GlossaryError(f"{term}: aliases must be a list of text")
        else:
            raise GlossaryError(f"{term}: give a definition, or a mapping with 'definition'")
        names = [term.strip(), *(a.strip() for a in aliases)]
        for name in names:
            if name.casefold() in seen:
                raise GlossaryError(f"{name!r} is defined twice")
            seen.add(name.casefold())
        terms.append(ParsedTerm(names[0], " ".join(definition.split()), tuple(names[1:])))
    return tuple(terms)
