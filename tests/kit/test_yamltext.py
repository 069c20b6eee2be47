"""The one YAML module: Docusaurus rules for front matter and category files, safe rules else."""

from __future__ import annotations

import pytest

from tailored.kit.yamltext import YamlError, load_yaml, parse_yaml


class TestDocusaurusRules:
    def test_yaml_1_2_booleans_and_dates_kept_as_text(self) -> None:
        data = parse_yaml("a: yes\nb: on\nc: true\nd: 2024-01-31\n", docusaurus=True)
        assert data == {"a": "yes", "b": "on", "c": True, "d": "2024-01-31"}

    def test_duplicate_keys_are_refused_with_their_line(self) -> None:
        with pytest.raises(YamlError) as caught:
            parse_yaml("title: a\ntitle: b\n", docusaurus=True, first_line=2)
        assert str(caught.value) == "line 3: duplicate key 'title'"
        assert caught.value.line == 3

    def test_a_syntax_error_names_the_line_in_the_file(self) -> None:
        with pytest.raises(YamlError, match=r"^line 4: .*not allowed"):
            parse_yaml("title: Ok\nkey: value: other\n", docusaurus=True, first_line=3)

    def test_anything_but_safe_tags_is_refused(self) -> None:
        with pytest.raises(YamlError):
            parse_yaml("!!python/object/apply:os.system ['true']\n", docusaurus=True)


class TestSafeRules:
    def test_yaml_1_1_as_pyyaml_reads_it(self) -> None:
        assert parse_yaml("a: yes\nb: b\nb: c\n") == {"a": True, "b": "c"}

    def test_load_yaml_keeps_its_message(self) -> None:
        with pytest.raises(ValueError, match=r"^invalid YAML: line 2: expected") as caught:
            load_yaml("keep: [ROS 2\n")
        assert not isinstance(caught.value, YamlError)

    def test_deep_nesting_is_an_error_not_a_crash(self) -> None:
        with pytest.raises(ValueError, match="invalid YAML"):
            load_yaml("[" * 100_000)
