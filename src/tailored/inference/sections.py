"""Per-chapter hints read from headings and prose: depth, hardware paths, key points, code.

Only headings (level 2 and below) are read for depth and hardware, so a word in a code
comment, a link in a table of contents or the chapter's own title never marks anything. A
section whose body is only links (a table of contents) or that would leave the chapter with
nothing visible is never marked.
"""

from __future__ import annotations

import re

from tailored.inference.model import KeyPoint, SectionHint
from tailored.inference.text import passages, sentences
from tailored.markdown import Document, Section, split_sections

_ADVANCED_RE = re.compile(
    r"\b(?:advanced|deep[- ]dive|under the hood|internals?|optimi[sz](?:ation|ing)|"
    r"going further|further exploration|optional|math(?:ematical|s)? (?:details|background|"
    r"derivation|foundations?|formulation)|derivations?|performance tuning|beyond the basics|"
    r"in[- ]depth|for experts|theory behind)\b",
    re.IGNORECASE,
)
_INTRO_RE = re.compile(
    r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:an? |the )?(?:introduction\b|intro\b|overview\b|"
    r"what (?:is|are)\b|recap\b|review of\b|if you(?:'|’)re new|new to\b|primer\b|"
    r"refresher\b|quick review\b|before we begin\b|prerequisites?\b|"
    r"(?:background|basics)\s*$)",
    re.IGNORECASE,
)
# Course structure ("Module 4: Advanced AI", "Week 3", "Step 7: Advanced …"): a heading that
# names a unit of the course or a step of a procedure is not a depth marker.
_STRUCTURE_RE = re.compile(
    r"^(?:module|week|weeks|chapter|part|unit|lesson|step|phase|lab|day|session|exercise|task|"
    r"question|level)\b",
    re.IGNORECASE,
)
HARDWARE_PATTERNS = {
    "jetson_kit": re.compile(r"\bjetson\b|\bedge (?:kit|device|deployment|hardware)\b", re.I),
    "rtx_workstation": re.compile(r"\brtx\b|\b(?:gpu|local) workstation\b|\bworkstation\b", re.I),
    "cloud": re.compile(r"\bcloud\b|\baws\b|\bazure\b|\bgcp\b|\bec2\b", re.I),
    "none": re.compile(
        r"\bsimulation[- ]only\b|\bsim[- ]only\b|\bno (?:physical )?hardware\b|"
        r"\bwithout (?:a )?(?:physical )?(?:robot|hardware)\b",
        re.I,
    ),
}
_LINK_ONLY_RE = re.compile(r"^\s*(?:[-*+]|\d+\.)?\s*\[[^\]]*\]\([^)]*\)\s*$")
_UNSAFE_SENTENCE_CHARS = frozenset("[]<>{}|$\\#^")
MAX_KEY_POINTS = 4
_VERB_RE = re.compile(
    r"\b(?:is|are|was|were|be|been|will|can|could|may|might|must|should|would|has|have|had|"
    r"does|do|did|\w+(?:s|ed))\s+(?:\w+\s+){0,3}?\w+",
)
# A list item's bold label ("**Role:** …"): the sentence after it is the point.
_LABEL_RE = re.compile(r"^(\*\*|__)[^*_\n]{1,60}?(?::\1|\1:)\s+")


def _content(section: Section) -> list[str]:
    return [b.text for b in section.blocks[1:] if b.kind not in ("blank", "heading")]


def _toc_like(section: Section) -> bool:
    lines = [ln for text in _content(section) for ln in text.splitlines() if ln.strip()]
    return not lines or sum(bool(_LINK_ONLY_RE.match(ln)) for ln in lines) * 2 >= len(lines)


def depth_hints(doc: Document) -> tuple[SectionHint, ...]:
    sections = [s for s in split_sections(doc) if s.kind == "heading"]
    content = [s for s in sections if s.level >= 2]
    found: list[SectionHint] = []
    for section in content:
        if _toc_like(section):
            continue
        heading = section.heading
        if _STRUCTURE_RE.match(heading):
            continue
        kind = None
        if _ADVANCED_RE.search(heading):
            kind = "advanced"
        elif _INTRO_RE.match(heading):
            kind = "beginner"
        if kind is not None and section.anchor:
            found.append(SectionHint(section.anchor, heading, kind))
    # Never collapse (nearly) the whole chapter: that is a chapter about the topic.
    for kind in ("advanced", "beginner"):
        if sum(h.value == kind for h in found) * 3 > max(len(content), 1) * 2:
            found = [h for h in found if h.value != kind]
    return tuple(found)


def hardware_hints(doc: Document) -> tuple[SectionHint, ...]:
    """Sections that each name one hardware target, when a chapter has two or more targets."""
    found: list[SectionHint] = []
    for section in split_sections(doc):
        if section.kind != "heading" or section.level < 2 or not section.anchor:
            continue
        targets = [t for t, pattern in HARDWARE_PATTERNS.items() if pattern.search(section.heading)]
        if len(targets) == 1 and not _toc_like(section):
            found.append(SectionHint(section.anchor, section.heading, targets[0]))
    if len({h.value for h in found}) < 2:
        return ()
    return tuple(found)


def key_points(doc: Document) -> tuple[KeyPoint, ...]:
    """The first plain sentence of the first paragraph of the chapter's main sections."""
    points: list[KeyPoint] = []
    seen_anchors: set[str | None] = set()
    for passage in passages(doc):
        if passage.anchor in seen_anchors or len(points) >= MAX_KEY_POINTS:
            continue
        raw = _LABEL_RE.sub("", passage.raw, count=1)
        first = " ".join((sentences(raw) or [""])[0].split())
        words = first.split()
        if not 7 <= len(words) <= 45 or not (first.endswith(".") or passage.in_list):
            continue
        if any(c in _UNSAFE_SENTENCE_CHARS for c in first) or first.count("`") % 2:
            continue
        if first.count("**") % 2 or first.startswith(("*", "_", "`")):
            continue
        if not _VERB_RE.search(first):
            continue  # a fragment ("Jetson Orin Nano (8GB)."), not a statement
        seen_anchors.add(passage.anchor)
        points.append(KeyPoint(first, passage.anchor, passage.heading))
    return tuple(points) if len(points) >= 2 else ()
