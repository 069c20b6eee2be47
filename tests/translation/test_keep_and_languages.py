"""The keep-terms file and language codes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tailored.kit.languages import (
    InvalidLanguage,
    direction,
    language_name,
    parse_language,
)
from tailored.translation.keep import KeepTermsError, KeepTermsFile, digest, parse_keep_terms


class TestKeepTerms:
    def test_terms_and_transliterations(self) -> None:
        terms = parse_keep_terms("keep:\n  - ROS 2: {ur: روس ٹو}\n  - DDS\n  - 42\n")
        assert terms.for_language("ur") == {"ROS 2": "ROS 2 (روس ٹو)", "DDS": "DDS", "42": "42"}
        assert terms.for_language("es") == {"ROS 2": "ROS 2", "DDS": "DDS", "42": "42"}

    def test_empty_file_keeps_nothing(self) -> None:
        assert parse_keep_terms("").for_language("ur") == {}
        assert parse_keep_terms("keep:\n").for_language("ur") == {}

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("- ROS 2\n", "one key, 'keep'"),
            ("keep: ROS 2\n", "must be a list"),
            ("keep: [ROS 2, ROS 2]\n", "entry 2: 'ROS 2' is listed twice"),
            ("keep: ['']\n", "entry 1: the term is empty"),
            ("keep: [{ROS 2: {urdu: x}}]\n", "'urdu' is not an ISO 639-1"),
            ("keep: [{ROS 2: x}]\n", "mapping of language code"),
            ("keep: [{a: 1, b: 2}]\n", "entry 1: write a term"),
            ("keep: ['⟦P0⟧']\n", "⟦ ⟧"),
            ("keep: [ROS 2\n", "invalid YAML: line"),
        ],
    )
    def test_mistakes_are_named(self, text: str, message: str) -> None:
        with pytest.raises(KeepTermsError, match=message.replace("(", r"\(").replace(")", r"\)")):
            parse_keep_terms(text)

    def test_file_is_reread_when_it_changes(self, tmp_path: Path) -> None:
        keep = KeepTermsFile(tmp_path)
        assert keep.load().for_language("ur") == {}
        path = tmp_path / "i18n" / "glossary-keep.yml"
        path.parent.mkdir()
        path.write_text("keep: [DDS]\n")
        assert keep.load().for_language("ur") == {"DDS": "DDS"}
        path.write_text("keep: [DDS, QoS]\n")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
        assert set(keep.load().for_language("ur")) == {"DDS", "QoS"}
        path.write_text("keep: nope\n")
        with pytest.raises(KeepTermsError, match="i18n/glossary-keep.yml: 'keep' must be a list"):
            keep.load()

    def test_digest_depends_on_terms_not_order(self) -> None:
        assert digest({"a": "a", "b": "b"}) == digest({"b": "b", "a": "a"})
        assert digest({"a": "a"}) != digest({"a": "a (x)"})


class TestLanguages:
    @pytest.mark.parametrize("code", ["ur", "ar", "fa", "he", "ps", "sd", "ug", "yi", "dv", "ks"])
    def test_right_to_left(self, code: str) -> None:
        assert direction(parse_language(code)) == "rtl"

    @pytest.mark.parametrize("code", ["en", "es", "de", "hi", "zh", "ja", "sw"])
    def test_left_to_right(self, code: str) -> None:
        assert direction(parse_language(code)) == "ltr"

    @pytest.mark.parametrize("raw", ["xx", "EN", "eng", "e", "", "../", "en-US", "iw", "ur\n"])
    def test_only_iso_639_1(self, raw: str) -> None:
        with pytest.raises(InvalidLanguage, match="ISO 639-1"):
            parse_language(raw)

    def test_names(self) -> None:
        assert language_name("ur") == "Urdu"
        assert language_name("es") == "Spanish"
