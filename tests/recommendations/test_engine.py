"""The recommender on its own: sources, reasons, exclusions, cold start and diversity, on a
catalogue built from a small textbook (no database: the index is what requests read)."""

from __future__ import annotations

from typing import Any

import pytest

from tailored.config.recommendations import RecommendationsConfig
from tailored.recommendations.blend import Pick
from tailored.recommendations.catalog import build_catalogue, module_label
from tailored.recommendations.engine import Index, Recommender
from tailored.recommendations.similarity import neighbours
from tailored.recommendations.sources import SOURCES, History, Interests, Popular
from tests.recommendations.book import book_chapters


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    catalogue = build_catalogue(book_chapters(tmp_path_factory.mktemp("book")))
    near = neighbours(
        [i.text for i in catalogue.items],
        [catalogue.chapter_rank[i.chapter_id] for i in catalogue.items],
        k=10,
        min_score=0.05,
    )
    return Index((0, ""), catalogue, near, 0.0)


def recommend(
    index: Index,
    *,
    history: History | None = None,
    profile: dict[str, Any] | None = None,
    popular: Popular | None = None,
    exclude: tuple[str, ...] = (),
    n: int = 10,
    config: RecommendationsConfig | None = None,
) -> list[Pick]:
    return Recommender().recommend(
        index,
        config or RecommendationsConfig(),
        history=history or History(),
        interests=Interests.from_profile(profile),
        ranked=popular or Popular(),
        exclude=exclude,
        n=n,
    )


def keys(picks: list[Pick]) -> list[str]:
    return [p.candidate.item.key for p in picks]


class TestBookOrder:
    def test_after_a_chapter_comes_the_next_one_in_its_module(self, index: Index) -> None:
        picks = recommend(index, history=History(completed=("module-2/urdf-basics",)))
        first = picks[0].candidate
        assert first.item.key == "module-2/xacro"
        assert (first.source, first.reason) == ("next_in_order", "Next in Module 2")

    def test_after_a_section_comes_the_rest_of_its_chapter(self, index: Index) -> None:
        picks = recommend(index, history=History(completed=("module-2/xacro#macros",)))
        first = picks[0].candidate
        assert first.item.key == "module-2/xacro#properties"
        assert first.reason == "Next in 'Xacro macros'"

    def test_the_latest_completion_decides_where_the_learner_is(self, index: Index) -> None:
        history = History(completed=("module-3/jetson", "module-1/welcome"))
        assert keys(recommend(index, history=history))[0] == "module-3/tensorrt"

    def test_module_labels_read_like_a_reader_would_say_them(self) -> None:
        assert module_label("module-2") == "Module 2"
        assert module_label("03-deployment_and-edge") == "Deployment and edge"
        assert module_label("ROS2") == "ROS2"


class TestBecauseYouCompleted:
    def test_similar_content_names_what_was_completed(self, index: Index) -> None:
        picks = recommend(index, history=History(completed=("module-3/jetson#power-modes",)))
        because = [p.candidate for p in picks if p.candidate.source == "because_completed"]
        assert because, keys(picks)
        assert all(c.reason == "Because you completed 'Power modes'" for c in because)
        # The TensorRT chapter talks about Jetson and Orin too: it is the similar content.
        assert {c.item.chapter_id for c in because} == {"module-3/tensorrt"}

    def test_what_the_learner_engaged_with_seeds_similar_content(self, index: Index) -> None:
        picks = recommend(index, history=History(engaged=("module-2/xacro#macros",)))
        similar = [p.candidate for p in picks if p.candidate.source == "similar"]
        assert similar
        assert similar[0].reason == "Similar to 'Macros'"
        assert all(c.item.module == "module-2" for c in similar)


class TestExclusions:
    def test_completed_skipped_served_and_excluded_never_appear(self, index: Index) -> None:
        history = History(
            completed=("module-2/urdf-basics",),
            skipped=frozenset({"module-2/xacro"}),
            served=frozenset({"module-2/robot-state", "module-3/jetson#power-modes"}),
        )
        picks = recommend(index, history=history, exclude=("module-3/tensorrt",), n=30)
        found = keys(picks)
        assert found
        for key in found:
            assert not key.startswith(("module-2/urdf-basics", "module-2/xacro"))
            assert not key.startswith("module-3/tensorrt")
            assert key not in {"module-2/robot-state", "module-3/jetson#power-modes"}
        # A served chapter leaves its sections free; a completed one takes them with it.
        assert any(k.startswith("module-2/robot-state#") for k in found)

    def test_excluding_everything_leaves_an_empty_list(self, index: Index) -> None:
        chapters = tuple(c.key for c in index.catalogue.chapters)
        assert recommend(index, exclude=chapters) == []


class TestColdStart:
    def test_no_profile_and_no_history_start_at_the_beginning(self, index: Index) -> None:
        first = recommend(index)[0].candidate
        assert (first.item.key, first.source) == ("module-1/welcome", "cold_start")
        assert first.reason == "A good place to start"

    def test_interests_pick_the_matching_chapters(self, index: Index) -> None:
        profile = {"software_level": "advanced", "interests": ["Edge_AI"], "frameworks": []}
        picks = recommend(index, profile=profile, n=3)
        first = picks[0].candidate
        assert first.item.key == "module-3/jetson"
        assert first.reason == "Matches your interest in Edge_AI"

    def test_popular_with_the_audience_says_so(self, index: Index) -> None:
        ranked = Popular(
            items=(("module-3/tensorrt", 9.0), ("module-1/welcome", 1.0)), audience=True
        )
        picks = recommend(index, history=History(completed=("module-1/welcome",)), popular=ranked)
        popular = {
            p.candidate.item.key: p.candidate for p in picks if p.candidate.source == "popular"
        }
        assert popular["module-3/tensorrt"].reason == "Popular with learners like you"


class TestEveryItem:
    @pytest.mark.parametrize(
        "history",
        [History(), History(completed=("module-2/xacro",), engaged=("module-3/jetson",))],
        ids=["cold", "warm"],
    )
    def test_explains_itself(self, index: Index, history: History) -> None:
        picks = recommend(index, history=history, popular=Popular((("module-3/jetson", 1.0),)))
        assert picks
        for pick in picks:
            assert pick.candidate.source in SOURCES
            assert pick.candidate.reason.strip()
            assert pick.score > 0
        assert [p.score for p in picks] == sorted((p.score for p in picks), reverse=True)


class TestDiversity:
    def test_no_chapter_fills_more_than_its_share(self, index: Index) -> None:
        history = History(completed=("module-2/urdf-basics#links",), engaged=("module-2/xacro",))
        config = RecommendationsConfig(max_per_chapter=1)
        picks = recommend(index, history=history, n=8, config=config)
        chapters = [p.candidate.item.chapter_id for p in picks]
        assert len(chapters) == len(set(chapters))

    def test_one_module_does_not_take_the_whole_list(self, index: Index) -> None:
        # Everything proposed points at module 2, yet other modules get places.
        history = History(completed=("module-2/xacro",), engaged=("module-2/robot-state",))
        picks = recommend(index, history=history, n=6)
        assert {p.candidate.item.module for p in picks} - {"module-2"}
