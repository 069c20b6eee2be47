"""Structure verifier: does a transformed document keep what a transformation must not touch?

Checks code samples (byte-identical, info string included), headings and anchors (all
kept, same order, same level), link and image targets, front matter, and JSX/HTML tag
balance. Anything a transformation removed on purpose is declared through the
`allowed_*` arguments, which `removed_code`, `removed_headings` and `removed_targets`
compute from the blocks it dropped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from tailored.kit.yamltext import YamlError, parse_yaml
from tailored.markdown.blocks import Block, Code, Heading
from tailored.markdown.document import Document, parse_document

IssueCode = Literal[
    "code_block_changed",
    "code_block_missing",
    "unknown_code_block",
    "heading_missing",
    "heading_changed",
    "anchor_changed",
    "link_target_missing",
    "link_target_added",
    "front_matter_key_missing",
    "front_matter_changed",
    "jsx_unbalanced",
]


@dataclass(frozen=True, slots=True)
class Issue:
    """One structural difference; `line` is 1-based (output for additions, else original)."""

    code: IssueCode
    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """All issues found; the output may be served as adapted only when `ok`."""

    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        """True when no issue was found."""
        return not self.issues

    @property
    def codes(self) -> frozenset[IssueCode]:
        """The distinct issue codes."""
        return frozenset(issue.code for issue in self.issues)


def removed_code(blocks: Iterable[Block]) -> frozenset[str]:
    """Content of every code sample inside blocks a transformation dropped on purpose."""
    return frozenset(code.content for block in blocks for code in block.code)


def removed_headings(blocks: Iterable[Block]) -> frozenset[str]:
    """Anchors of the headings inside dropped blocks."""
    return frozenset(
        sub.heading.anchor for block in blocks for sub in block.walk() if sub.heading is not None
    )


def removed_targets(document: Document, blocks: Iterable[Block]) -> frozenset[str]:
    """Link targets first used inside dropped blocks (a target used elsewhere stays required)."""
    spans = [(block.start + 1, block.end) for block in blocks]
    return frozenset(
        target
        for target, line in document.facts.targets.items()
        if any(start <= line <= end for start, end in spans)
    )


def verify_structure(
    original: str | Document,
    output: str | Document,
    *,
    allowed_removed_code: Collection[str] = (),
    allowed_removed_headings: Collection[str] = (),
    allowed_added_targets: Collection[str] = (),
    allowed_removed_targets: Collection[str] = (),
    allowed_changed_front_matter_keys: Collection[str] = (),
) -> VerificationResult:
    """Compare the structure of `output` with `original` (pass a parsed Document to reuse it)."""
    before = original if isinstance(original, Document) else parse_document(original)
    after = output if isinstance(output, Document) else parse_document(output)
    if before.text == after.text:
        return VerificationResult(())
    issues = [
        *_code_issues(before.code, after.code, frozenset(allowed_removed_code)),
        *_heading_issues(before.headings, after.headings, frozenset(allowed_removed_headings)),
        *_target_issues(
            before, after, frozenset(allowed_added_targets), frozenset(allowed_removed_targets)
        ),
        *_front_matter_issues(
            before.front_matter, after.front_matter, frozenset(allowed_changed_front_matter_keys)
        ),
        *_jsx_issues(before, after),
    ]
    return VerificationResult(tuple(issues))


def _code_key(code: Code) -> tuple[str, str, str]:
    return code.kind, code.info, code.content


def _code_issues(
    before: tuple[Code, ...], after: tuple[Code, ...], allowed: frozenset[str]
) -> Iterator[Issue]:
    kept = {_code_key(code) for code in after}
    known = {_code_key(code) for code in before}
    missing = [c for c in before if _code_key(c) not in kept and c.content not in allowed]
    unknown = [c for c in after if _code_key(c) not in known]
    for old, new in zip(missing, unknown, strict=False):
        yield Issue(
            "code_block_changed",
            f"code block at line {old.line + 1} was changed (now at line {new.line + 1})",
            new.line + 1,
        )
    for old in missing[len(unknown) :]:
        yield Issue(
            "code_block_missing", f"code block at line {old.line + 1} is missing", old.line + 1
        )
    for new in unknown[len(missing) :]:
        yield Issue(
            "unknown_code_block",
            f"code block at line {new.line + 1} does not occur in the original",
            new.line + 1,
        )


def _heading_issues(
    before: tuple[Heading, ...], after: tuple[Heading, ...], allowed: frozenset[str]
) -> Iterator[Issue]:
    positions: dict[str, list[int]] = {}
    for index, heading in enumerate(after):
        positions.setdefault(heading.anchor, []).append(index)
    matched: set[int] = set()
    unmatched: list[tuple[Heading, int]] = []
    cursor = 0
    for heading in before:
        if heading.anchor in allowed:
            continue
        found = next((i for i in positions.get(heading.anchor, ()) if i >= cursor), None)
        if found is None:
            unmatched.append((heading, cursor))
            continue
        matched.add(found)
        cursor = found + 1
        new = after[found]
        if new.level != heading.level:
            yield Issue(
                "heading_changed",
                f"heading #{heading.anchor} changed from level {heading.level} to {new.level}",
                new.line + 1,
            )
    for heading, cursor in unmatched:
        yield _unmatched_heading(heading, cursor, after, matched, positions)


def _unmatched_heading(
    heading: Heading,
    cursor: int,
    after: tuple[Heading, ...],
    matched: set[int],
    positions: dict[str, list[int]],
) -> Issue:
    """A heading whose anchor is not where it should be: renamed, moved or gone."""
    where = heading.line + 1
    for index in range(cursor, len(after)):
        if index in matched:
            break
        candidate = after[index]
        if candidate.level == heading.level:
            matched.add(index)
            return Issue(
                "anchor_changed",
                f"heading '{heading.text}' anchor changed from #{heading.anchor} "
                f"to #{candidate.anchor}",
                candidate.line + 1,
            )
    if heading.anchor in positions:
        return Issue("heading_changed", f"heading #{heading.anchor} moved out of order", where)
    return Issue(
        "heading_missing", f"heading '{heading.text}' (#{heading.anchor}) is missing", where
    )


def _target_issues(
    before: Document, after: Document, added_ok: frozenset[str], removed_ok: frozenset[str]
) -> Iterator[Issue]:
    old, new = before.facts.targets, after.facts.targets
    for target, line in new.items():
        if target not in old and target not in added_ok:
            yield Issue("link_target_added", f"link target {target!r} is not in the original", line)
    for target, line in old.items():
        if target not in new and target not in removed_ok:
            yield Issue("link_target_missing", f"link target {target!r} is missing", line)


def _load(raw: str) -> dict[str, Any] | None:
    # Read as Docusaurus reads it (as ingest does): `draft: yes` and `draft: true` differ.
    try:
        data = parse_yaml(raw, docusaurus=True)
    except YamlError:
        return None
    return data if isinstance(data, dict) else None


def _front_matter_issues(
    before: str | None, after: str | None, allowed: frozenset[str]
) -> Iterator[Issue]:
    if before == after or before is None:
        if before is None and after is not None:
            yield Issue("front_matter_changed", "front matter was added", 1)
        return
    old, new = _load(before), _load(after or "")
    if old is None or (new is None and after is not None):
        yield Issue("front_matter_changed", "front matter is not the same YAML mapping", 1)
        return
    new = new or {}
    for key, value in old.items():
        if key in allowed:
            continue
        if key not in new:
            yield Issue("front_matter_key_missing", f"front matter key {key!r} is missing", 1)
        elif new[key] != value:
            yield Issue("front_matter_changed", f"front matter key {key!r} changed", 1)
    for key in new.keys() - old.keys() - allowed:
        yield Issue("front_matter_changed", f"front matter key {key!r} was added", 1)


def _jsx_issues(before: Document, after: Document) -> Iterator[Issue]:
    # Relative to the original: only imbalance introduced by the transformation counts, so
    # quirks of the source (an HTML `<p>` never closed) do not block every adaptation.
    old = before.facts.tag_balance
    for name, count in after.facts.tag_balance.items():
        if count != old.get(name, 0):
            state = "unclosed" if count > 0 else "unopened"
            yield Issue("jsx_unbalanced", f"<{name}> has {abs(count)} {state} tag(s)")
    for name in old.keys() - after.facts.tag_balance.keys():
        yield Issue("jsx_unbalanced", f"<{name}> balance changed from {old[name]} to 0")
