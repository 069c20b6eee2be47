from __future__ import annotations

import re

import pytest

from tailored.personalization.adapter import GlossaryTerm
from tailored.personalization.rules.glossary_index import build_index
from tests.personalization.rules.helpers import adapt, library, profile

GLOSSARY = library(
    (
        GlossaryTerm("URDF", "Unified Robot Description Format."),
        GlossaryTerm("ROS 2", "Robot Operating System 2.", ("ROS2",)),
        GlossaryTerm("point cloud", "A set of 3D points."),
        GlossaryTerm("TF", "The transform library."),
    )
)
BEGINNER = profile(software_level="beginner")


def refs(content: str) -> list[str]:
    """Footnote references in order (definitions excluded)."""
    return re.findall(r"\[\^(glossary-[\w-]+)\](?!:)", content)


class TestFirstUse:
    def test_only_the_first_use_gets_a_footnote(self) -> None:
        source = "# Robots\n\nA URDF file. Another URDF file.\n\nMore URDF.\n"
        result = adapt(source, BEGINNER, GLOSSARY)
        assert "A URDF[^glossary-urdf] file. Another URDF file." in result.content
        assert refs(result.content) == ["glossary-urdf"]
        assert result.content.endswith(
            "\n[^glossary-urdf]: **URDF**: Unified Robot Description Format.\n"
        )
        assert result.detail("glossary") == "Defined 1 term on first use"

    def test_several_terms_in_reading_order(self) -> None:
        source = "Point clouds come from ROS 2 drivers.\n\nA URDF describes links.\n"
        result = adapt(source, BEGINNER, GLOSSARY)
        assert "Point clouds[^glossary-point-cloud] come from ROS 2[^glossary-ros-2]" in (
            result.content
        )
        assert refs(result.content) == ["glossary-point-cloud", "glossary-ros-2", "glossary-urdf"]
        assert result.detail("glossary") == "Defined 3 terms on first use"

    def test_only_for_beginners(self) -> None:
        source = "A URDF file.\n"
        assert adapt(source, profile(software_level="intermediate"), GLOSSARY).content == source
        assert adapt(source, profile(), GLOSSARY).content == source
        newcomer = profile(software_level="advanced", robotics_experience="none")
        assert "[^glossary-urdf]" in adapt(source, newcomer, GLOSSARY).content


class TestMatching:
    def test_aliases_count_as_the_term(self) -> None:
        result = adapt("Install ROS2 first. Then ROS 2 again.\n", BEGINNER, GLOSSARY)
        assert "Install ROS2[^glossary-ros-2] first. Then ROS 2 again." in result.content

    def test_acronyms_match_their_case_only(self) -> None:
        result = adapt("The tf library and the Tf frame, then TF.\n", BEGINNER, GLOSSARY)
        assert "then TF[^glossary-tf]." in result.content
        assert refs(result.content) == ["glossary-tf"]

    def test_plain_names_match_any_case_and_plurals(self) -> None:
        result = adapt("POINT CLOUDS everywhere.\n", BEGINNER, GLOSSARY)
        assert "POINT CLOUDS[^glossary-point-cloud] everywhere." in result.content

    def test_multi_word_names_across_a_line_break(self) -> None:
        result = adapt("A point\ncloud here.\n", BEGINNER, GLOSSARY)
        assert "A point\ncloud[^glossary-point-cloud] here." in result.content

    def test_whole_words_only(self) -> None:
        source = "URDFs are fine but XURDF and URDF-based and TFX are not.\n"
        result = adapt(source, BEGINNER, GLOSSARY)
        assert refs(result.content) == ["glossary-urdf"]
        assert "URDFs[^glossary-urdf] are fine" in result.content


class TestNeverInProtectedPlaces:
    @pytest.mark.parametrize(
        "source",
        [
            "# The URDF format\n",
            "Use `URDF` here.\n",
            "```xml\n<!-- URDF -->\n```\n",
            "See [the URDF guide](https://example.org/urdf).\n",
            "See <https://example.org/URDF>.\n",
            "| Format | Use |\n|---|---|\n| URDF | robots |\n",
            ":::tip[URDF basics]\nNothing to see.\n:::\n",
            "<div>\n<summary>URDF</summary>\n</div>\n",
            '<a href="/x">URDF</a> and <kbd>URDF</kbd> only.\n',
            "Math $URDF$ only.\n",
            "![URDF diagram](./urdf.svg)\n",
            "---\ntitle: URDF\n---\n\nNothing.\n",
            "import URDF from './urdf';\n\nNothing.\n",
            "{/* URDF */}\n",
            "- # URDF heading in a list\n",
        ],
    )
    def test_no_footnote(self, source: str) -> None:
        assert adapt(source, BEGINNER, GLOSSARY).content == source

    def test_a_protected_use_does_not_count_as_the_first(self) -> None:
        source = "# URDF\n\nUse `URDF` and [URDF](./u.md), then URDF in prose.\n"
        result = adapt(source, BEGINNER, GLOSSARY)
        assert "then URDF[^glossary-urdf] in prose." in result.content
        assert refs(result.content) == ["glossary-urdf"]

    def test_admonition_body_yes_title_no(self) -> None:
        source = ":::note[About URDF]\nA URDF file.\n:::\n"
        result = adapt(source, BEGINNER, GLOSSARY)
        assert ":::note[About URDF]\nA URDF[^glossary-urdf] file.\n:::\n" in result.content

    def test_not_before_a_parenthesis_that_would_make_a_link(self) -> None:
        result = adapt("URDF(5) is a man page. URDF is a format.\n", BEGINNER, GLOSSARY)
        assert "URDF(5) is a man page. URDF[^glossary-urdf] is a format." in result.content

    def test_visible_text_first_then_collapsed(self) -> None:
        source = """<details>
<summary>Answers</summary>

The URDF answer.

</details>

A URDF file.
"""
        result = adapt(source, BEGINNER, GLOSSARY)
        assert "A URDF[^glossary-urdf] file." in result.content
        assert "The URDF answer." in result.content

    def test_a_term_only_in_collapsed_text_is_still_defined(self) -> None:
        source = "<details>\n<summary>More</summary>\n\nThe URDF answer.\n\n</details>\n"
        assert "URDF[^glossary-urdf]" in adapt(source, BEGINNER, GLOSSARY).content

    def test_definitions_are_escaped_for_mdx(self) -> None:
        lib = library((GlossaryTerm("JSX", "Markup like <div> with {props} and [links](x)."),))
        content = adapt("Write JSX.\n", BEGINNER, lib).content
        assert content.endswith(
            "[^glossary-jsx]: **JSX**: Markup like \\<div\\> with \\{props\\} and \\[links\\](x).\n"
        )

    def test_existing_glossary_labels_are_not_reused(self) -> None:
        source = "A URDF file.[^glossary-urdf]\n\n[^glossary-urdf]: Author's own note.\n"
        content = adapt(source, BEGINNER, GLOSSARY).content
        assert "A URDF[^tailored-glossary-urdf] file." in content

    def test_no_trailing_newline(self) -> None:
        content = adapt("A URDF file.", BEGINNER, GLOSSARY).content
        assert content == (
            "A URDF[^glossary-urdf] file.\n\n"
            "[^glossary-urdf]: **URDF**: Unified Robot Description Format.\n"
        )


class TestIndex:
    def test_one_pattern_for_a_large_glossary(self) -> None:
        terms = tuple(GlossaryTerm(f"term{n:04d}x", "d") for n in range(2000))
        index = build_index(terms)
        assert index is not None
        found = [
            index.lookup(m.group()) for m in index.pattern.finditer("a term1234x b term0007xs")
        ]
        assert found == [1234, 7]

    def test_empty_glossary(self) -> None:
        assert build_index(()) is None
        assert build_index((GlossaryTerm("  ", "blank"),)) is None
