"""Terms machine translation keeps in English: `i18n/glossary-keep.yml` in the docs folder.

    # Terms machine translation leaves in English, in every language.
    keep:
      - ROS 2
      - DDS
      - URDF: {ur: یو آر ڈی ایف}     # optional transliteration, per language

Each listed term comes back byte-identical; where a transliteration is given for the target
language, the first use in each section reads "URDF (یو آر ڈی ایف)". The file sits next to the
Docusaurus locale folders, which Docusaurus ignores. Human translations are not touched.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tailored.kit.languages import is_language
from tailored.kit.yamltext import load_yaml

KEEP_FILE = "i18n/glossary-keep.yml"
MAX_TERMS = 2000
MAX_TERM_LENGTH = 100
# Characters the masking pipeline owns: a term holding one could forge a placeholder.
_FORBIDDEN = frozenset("⟦⟧\n\r")


class KeepTermsError(ValueError):
    """The keep-terms file is not a list of terms (with optional transliterations)."""


@dataclass(frozen=True)
class KeepTerm:
    term: str
    transliterations: Mapping[str, str]


@dataclass(frozen=True)
class KeepTerms:
    terms: tuple[KeepTerm, ...] = ()

    def for_language(self, lang: str) -> dict[str, str]:
        """term → the text restored in its place for `lang` (the term, or "term (translit)")."""
        out: dict[str, str] = {}
        for item in self.terms:
            translit = item.transliterations.get(lang)
            out[item.term] = f"{item.term} ({translit})" if translit else item.term
        return out


def digest(terms: Mapping[str, str]) -> str:
    """A hash of what a translation depends on; part of the cache key."""
    canonical = json.dumps(dict(sorted(terms.items())), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_keep_terms(text: str) -> KeepTerms:
    try:
        data = load_yaml(text)
    except ValueError as exc:
        raise KeepTermsError(str(exc)) from None
    if data is None:
        return KeepTerms()
    if not isinstance(data, dict) or set(data) - {"keep"}:
        raise KeepTermsError("must be a mapping with one key, 'keep', holding a list of terms")
    items = data.get("keep") or []
    if not isinstance(items, list):
        raise KeepTermsError("'keep' must be a list of terms")
    if len(items) > MAX_TERMS:
        raise KeepTermsError(f"at most {MAX_TERMS} terms")
    terms: list[KeepTerm] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        term, translits = _entry(index, item)
        if term in seen:
            raise KeepTermsError(f"entry {index}: {term!r} is listed twice")
        seen.add(term)
        terms.append(KeepTerm(term, translits))
    return KeepTerms(tuple(terms))


def _entry(index: int, item: Any) -> tuple[str, dict[str, str]]:
    if isinstance(item, str | int | float) and not isinstance(item, bool):
        return _term(index, item), {}  # YAML reads `- 42` or `- 3.14` as numbers
    if isinstance(item, dict) and len(item) == 1:
        ((term, translits),) = item.items()
        if translits is None:
            translits = {}
        if not isinstance(translits, dict):
            raise KeepTermsError(
                f"entry {index}: give transliterations as a mapping of language code to text"
            )
        out: dict[str, str] = {}
        for lang, text in translits.items():
            if not isinstance(lang, str) or not is_language(lang):
                raise KeepTermsError(f"entry {index}: {lang!r} is not an ISO 639-1 language code")
            out[lang] = _term(index, text, what="transliteration")
        return _term(index, term), out
    raise KeepTermsError(f"entry {index}: write a term, or 'term: {{lang: transliteration}}'")


def _term(index: int, raw: Any, *, what: str = "term") -> str:
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise KeepTermsError(f"entry {index}: the {what} must be text")
    text = str(raw).strip()
    if not text:
        raise KeepTermsError(f"entry {index}: the {what} is empty")
    if len(text) > MAX_TERM_LENGTH:
        raise KeepTermsError(f"entry {index}: the {what} is longer than {MAX_TERM_LENGTH}")
    if _FORBIDDEN & set(text):
        raise KeepTermsError(f"entry {index}: the {what} contains a line break or ⟦ ⟧")
    return text


class KeepTermsFile:
    """The docs folder's keep-terms file, re-read only when its size or mtime changes."""

    def __init__(self, root: Path | None) -> None:
        self.path = None if root is None else root / KEEP_FILE
        self._seen: tuple[int, int] | None = None
        self._terms = KeepTerms()

    def load(self) -> KeepTerms:
        """The parsed file (empty when absent); KeepTermsError names the file and the problem."""
        if self.path is None:
            return KeepTerms()
        try:
            stat = self.path.stat()
        except OSError:
            self._seen, self._terms = None, KeepTerms()
            return self._terms
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._seen:
            try:
                terms = parse_keep_terms(self.path.read_text(encoding="utf-8"))
            except UnicodeDecodeError as exc:
                raise KeepTermsError(f"{KEEP_FILE}: not valid UTF-8 at byte {exc.start}") from None
            except KeepTermsError as exc:
                raise KeepTermsError(f"{KEEP_FILE}: {exc}") from None
            self._seen, self._terms = stamp, terms
        return self._terms
