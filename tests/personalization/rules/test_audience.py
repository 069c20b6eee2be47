from __future__ import annotations

import json
import statistics
import time
from typing import Any

import pytest

from tailored.inference import VERSION as INFERENCE_VERSION
from tailored.personalization.adapter import Adapter, GlossaryTerm
from tailored.personalization.rules import RulesAdapter
from tailored.personalization.rules import adapter as adapter_module
from tailored.personalization.rules.features import _scan, features_of
from tailored.profiles.schemas import ProfileData
from tests.personalization.rules.helpers import ADAPTER, chapter, library, profile

TABS = """<Tabs groupId="language">
<TabItem value="python" label="Python" default>

A.

</TabItem>
<TabItem value="cpp" label="C++">

B.

</TabItem>
</Tabs>
"""
PLAIN = "# Plain\n\nNothing to adapt here.\n"
ROLE = '<div data-audience="role:instructor">\n\nFor teachers.\n\n</div>\n'
GLOSSARY = library((GlossaryTerm("URDF", "A robot description."),))


def audience(source: str, learner: ProfileData, lib: Any = None) -> dict[str, Any]:
    return dict(ADAPTER.audience(learner, chapter(source), lib or library()))


class TestOnlyWhatTheChapterReads:
    def test_a_chapter_with_nothing_to_adapt_has_an_empty_audience(self) -> None:
        learner = profile(software_level="beginner", languages=["python"], role="student")
        assert audience(PLAIN, learner) == {}

    def test_the_glossary_reduces_to_one_boolean(self) -> None:
        assert audience(PLAIN, profile(software_level="beginner"), GLOSSARY) == {
            "glossary.beginner": True
        }
        assert audience(PLAIN, profile(software_level="advanced"), GLOSSARY) == {
            "glossary.beginner": False
        }

    def test_languages_matter_only_with_language_tabs(self) -> None:
        assert audience(PLAIN, profile(languages=["python"])) == audience(
            PLAIN, profile(languages=["cpp"])
        )
        assert audience(TABS, profile(languages=["python"])) != audience(
            TABS, profile(languages=["cpp"])
        )

    def test_tabs_hold_the_chosen_language_only(self) -> None:
        one = audience(TABS, profile(languages=["Python", "rust", "go"]))
        two = audience(TABS, profile(languages=["py"]))
        assert one == two == {"tabs.language": "python", "tabs.only": False}
        assert audience(TABS, profile(languages=["haskell"], software_level="beginner")) == {
            "tabs.language": None,
            "tabs.only": False,
        }

    def test_unmentioned_values_collapse_to_other(self) -> None:
        student = audience(ROLE, profile(role="student"))
        researcher = audience(ROLE, profile(role="researcher"))
        assert student == researcher == {"variant.role": "other"}
        assert audience(ROLE, profile(role="instructor")) == {"variant.role": "instructor"}
        assert audience(ROLE, profile()) == {"variant.role": None}

    def test_role_is_ignored_when_unused(self) -> None:
        assert audience(TABS, profile(role="student")) == audience(TABS, profile(role="researcher"))

    def test_lists_are_sorted_and_reduced(self) -> None:
        source = '<div data-audience="language:cpp,python">\n\nX.\n\n</div>\n'
        got = audience(source, profile(languages=["Python", "rust", "C++"]))
        assert got == {"variant.language": ["cpp", "python"]}
        assert audience(source, profile(languages=["rust"])) == {"variant.language": []}
        assert audience(source, profile()) == {"variant.language": None}

    def test_defaults_are_filled(self) -> None:
        source = '<div data-audience="difficulty:balanced">\n\nX.\n\n</div>\n'
        assert audience(source, profile()) == audience(
            source, profile(difficulty_preference="balanced")
        )

    def test_depth_reduces_to_the_mode_the_chapter_can_use(self) -> None:
        only_advanced = '<div data-depth="advanced">\n\nX.\n\n</div>\n'
        assert audience(only_advanced, profile(software_level="advanced")) == {"depth": "none"}
        assert audience(only_advanced, profile(software_level="beginner")) == {
            "depth": "collapse_advanced"
        }
        assert audience(only_advanced, profile(difficulty_preference="gentle")) == {
            "depth": "collapse_advanced"
        }

    def test_the_audience_is_canonical_json(self) -> None:
        source = TABS + ROLE + '<div data-hardware="cloud">\n\nX.\n\n</div>\n'
        got = audience(
            source,
            profile(
                languages=["cpp"], role="instructor", hardware_available=["jetson_kit", "cloud"]
            ),
            GLOSSARY,
        )
        assert list(got) == sorted(got)
        assert json.loads(json.dumps(got)) == got
        for value in got.values():
            assert value is None or isinstance(value, str | bool) or value == sorted(value)


NOT_READ: dict[str, tuple[Any, Any]] = {
    "interests": (["humanoids"], ["drones", "vision"]),
    "preferred_language": (None, "ur"),
}


class TestProfileFields:
    def test_adapter_satisfies_the_protocol(self) -> None:
        adapter: Adapter = RulesAdapter()
        assert adapter.name == "rules"
        assert adapter.version == f"2-inference{INFERENCE_VERSION}"

    def test_profile_fields_are_real_fields(self) -> None:
        assert ADAPTER.profile_fields <= set(ProfileData.model_fields)

    def test_unread_fields_never_change_the_audience(self, textbook: Any) -> None:
        assert set(ProfileData.model_fields) - ADAPTER.profile_fields == set(NOT_READ)
        chapters, lib = textbook
        base = {"software_level": "beginner", "languages": ["python"], "role": "student"}
        for field, (one, two) in NOT_READ.items():
            for doc in chapters:
                first = ADAPTER.audience(profile(**base, **{field: one}), doc, lib)
                second = ADAPTER.audience(profile(**base, **{field: two}), doc, lib)
                assert first == second, (field, doc.id)

    @pytest.mark.parametrize(
        ("field", "one", "two"),
        [
            ("software_level", "beginner", "advanced"),
            ("hardware_level", "none", "advanced"),
            ("hardware_available", ["jetson_kit"], ["cloud"]),
            ("hardware_domains", [], ["jetson_edge"]),
            ("languages", ["python"], ["cpp"]),
            ("frameworks", [], ["ros2"]),
            ("role", "student", "instructor"),
            ("robotics_experience", "none", "professional"),
            ("difficulty_preference", "gentle", "challenging"),
        ],
    )
    def test_every_read_field_matters_somewhere(
        self, textbook: Any, field: str, one: Any, two: Any
    ) -> None:
        chapters, lib = textbook
        differs = [
            doc.id
            for doc in chapters
            if ADAPTER.audience(profile(**{field: one}), doc, lib)
            != ADAPTER.audience(profile(**{field: two}), doc, lib)
        ]
        assert differs, field


class TestCheapScan:
    def test_audience_never_parses_markdown(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(_: str) -> None:
            raise AssertionError("audience() must not parse the chapter")

        monkeypatch.setattr(adapter_module, "parse_document", refuse)
        assert audience(TABS, profile(languages=["cpp"])) == {
            "tabs.language": "cpp",
            "tabs.only": False,
        }

    def test_features_are_cached_per_source_hash(self) -> None:
        doc = chapter(TABS)
        first = features_of(doc.id, doc.source_hash, doc.source, doc.front_matter)
        again = features_of(doc.id, doc.source_hash, doc.source + "ignored", doc.front_matter)
        assert again is first

    def test_an_uncached_scan_of_30_kb_is_well_under_a_millisecond(self, big_source: str) -> None:
        times = []
        for run in range(15):
            start = time.perf_counter()
            features_of("bench", f"hash-{run}", big_source, {})
            times.append(time.perf_counter() - start)
        _scan.cache_clear()
        assert len(big_source) >= 30_000
        assert statistics.median(times) < 0.001
