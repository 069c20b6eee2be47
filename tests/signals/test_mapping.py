"""Segment messages read without a database: page paths, learner keys."""

from __future__ import annotations

import pytest

from tailored.config.signals import SignalsConfig
from tailored.signals.identity import learner_for_site_user
from tailored.signals.segment.mapping import page_content, parse


class TestPagePaths:
    @pytest.mark.parametrize(
        ("path", "expected"),
        [
            ("/docs/ros2/urdf", "ros2/urdf"),
            ("/docs/ros2/urdf/", "ros2/urdf"),
            ("https://site.example/ur/docs/intro#why", "intro#why"),
            ("/reader#ros2/urdf:links-and-joints", "ros2/urdf#links-and-joints"),
            ("/", None),
        ],
    )
    def test_a_page_path_names_its_chapter(self, path: str, expected: str | None) -> None:
        assert page_content(path) == expected

    def test_site_users_are_scoped_to_their_site(self) -> None:
        assert learner_for_site_user("aa", "7") != learner_for_site_user("bb", "7")


class TestParse:
    def test_event_names_map_case_blind_and_unmapped_ones_are_ignored(self) -> None:
        mapping = SignalsConfig(segment_events={"Lesson Finished": "complete"}).segment_mapping()
        base = {"type": "track", "userId": "u", "properties": {"content_id": "intro"}}
        parsed = parse(
            [
                {**base, "messageId": "a", "event": "lesson finished"},
                {**base, "messageId": "b", "event": "CHAPTER VIEWED"},
                {**base, "messageId": "c", "event": "Something Else"},
            ],
            mapping,
        )
        assert [(d.message.message_id, d.kind) for d in parsed.drafts] == [
            ("a", "complete"),
            ("b", "view"),
        ]
        assert parsed.ignored == 1

    def test_an_alias_needs_both_ids_and_a_group_call_is_ignored(self) -> None:
        mapping = SignalsConfig().segment_mapping()
        parsed = parse(
            [
                {"type": "alias", "messageId": "a", "userId": "new", "previousId": "old"},
                {"type": "alias", "messageId": "b", "userId": "new"},
                {"type": "group", "messageId": "c", "userId": "new", "groupId": "g"},
            ],
            mapping,
        )
        assert [(m.previous_id, m.user_id) for m in parsed.aliases] == [("old", "new")]
        assert [index for index, _ in parsed.errors] == [1]
        assert parsed.ignored == 1

    def test_a_mapping_to_an_unknown_type_is_a_configuration_error(self) -> None:
        with pytest.raises(ValueError, match="not an event type"):
            SignalsConfig(segment_events={"X": "teleport"})
