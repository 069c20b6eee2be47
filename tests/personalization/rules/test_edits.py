from __future__ import annotations

import pytest

from tailored.markdown import Splice, parse_document
from tailored.personalization.rules.edits import Lines, Move, Plan

SOURCE = "a\nb\nc\nd\ne\n"


def plan(source: str = SOURCE) -> Plan:
    return Plan(parse_document(source))


class TestRender:
    def test_no_edits_copies_the_source(self) -> None:
        assert plan().render() == SOURCE

    def test_a_move_reorders_ranges_and_adds_text(self) -> None:
        p = plan()
        p.moves.append(Move(1, 4, (Lines(3, 4), "--\n", Lines(1, 3))))
        assert p.render() == "a\nd\n--\nb\nc\ne\n"

    def test_edits_inside_a_move_travel_with_their_lines(self) -> None:
        p = plan()
        p.moves.append(Move(1, 4, (Lines(3, 4), Lines(1, 3))))
        p.splices.append(Splice(1, 2, "B\n"))
        p.splices.append(Splice(0, 1, "A\n"))
        assert p.render() == "A\nd\nB\nc\ne\n"

    def test_moves_nest(self) -> None:
        p = plan()
        p.moves.append(Move(0, 5, (Lines(3, 5), Lines(0, 3))))
        p.moves.append(Move(0, 3, (Lines(2, 3), Lines(0, 2))))
        assert p.render() == "d\ne\nc\na\nb\n"

    def test_inserts_on_a_move_boundary_stay_outside(self) -> None:
        p = plan()
        p.moves.append(Move(1, 3, (Lines(2, 3), Lines(1, 2))))
        p.splices.append(Splice(1, 1, "<\n"))
        p.splices.append(Splice(3, 3, ">\n"))
        assert p.render() == "a\n<\nc\nb\n>\nd\ne\n"

    def test_edits_between_parts_vanish_with_their_lines(self) -> None:
        p = plan()
        p.moves.append(Move(0, 5, (Lines(4, 5), Lines(0, 1))))
        p.splices.append(Splice(2, 3, ""))
        assert p.render() == "e\na\n"

    def test_an_edit_straddling_a_part_is_a_bug(self) -> None:
        p = plan()
        p.moves.append(Move(0, 5, (Lines(0, 2), Lines(2, 5))))
        p.splices.append(Splice(1, 3, "x\n"))
        with pytest.raises(ValueError, match="straddles"):
            p.render()

    def test_crlf_is_kept(self) -> None:
        p = plan(SOURCE.replace("\n", "\r\n"))
        p.moves.append(Move(0, 2, (Lines(1, 2), "new\n", Lines(0, 1))))
        assert p.render() == "b\r\nnew\r\na\r\nc\r\nd\r\ne\r\n"

    def test_a_last_line_without_newline_is_not_glued(self) -> None:
        p = plan("a\nb")
        p.moves.append(Move(0, 2, (Lines(1, 2), Lines(0, 1))))
        assert p.render() == "b\na\n"

    def test_order_key_follows_moves(self) -> None:
        p = plan()
        p.moves.append(Move(1, 4, (Lines(3, 4), Lines(1, 3))))
        keys = sorted(range(5), key=p.order_key)
        assert keys == [0, 3, 1, 2, 4]
