from __future__ import annotations

from collections.abc import Callable

import pytest

from tailored.markdown import (
    AlteredPlaceholderError,
    DuplicatedPlaceholderError,
    MissingPlaceholderError,
    PlaceholderError,
    UnknownPlaceholderError,
    mask,
    parse_document,
    unmask,
)

PROSE = (
    'Run `ros2 run` as in [the guide](./guide.md#run "Guide") or <https://ros.org>; '
    'see https://docs.ros.org/en/humble/. <Highlight color="red">Hot</Highlight> and '
    "$x^2$ cost $5 and $10, footnote[^1] and ![img](./a.png).\n"
)


class TestMask:
    @pytest.mark.parametrize(
        "protected",
        [
            "`ros2 run`",
            '(./guide.md#run "Guide")',
            "<https://ros.org>",
            "https://docs.ros.org/en/humble/",
            '<Highlight color="red">',
            "</Highlight>",
            "$x^2$",
            "[^1]",
            "(./a.png)",
        ],
    )
    def test_protected_regions_are_masked(self, protected: str) -> None:
        masked = mask(PROSE)
        assert protected in masked.originals
        assert protected not in masked.text

    def test_prose_stays_visible(self) -> None:
        text = mask(PROSE).text
        for word in ("Run", "the guide", "Hot", "cost $5 and $10", "footnote", "img"):
            assert word in text

    @pytest.mark.parametrize(
        ("text", "protected"),
        [
            ("See [docs][ros-docs] now.", "[ros-docs]"),
            ('[ros]: https://www.ros.org "ROS"', '[ros]: https://www.ros.org "ROS"'),
            ("## Setup {#setup}", "{#setup}"),
            ("Comment {/* keep */} here", "{/* keep */}"),
            ("Use ``a ` b`` here", "``a ` b``"),
            ("<!-- note -->", "<!-- note -->"),
            (":::tip[Title]", ":::tip"),
            ("Mail <me@example.com>.", "<me@example.com>"),
            ("Literal ⟦P0⟧ in text", "⟦P0⟧"),
        ],
    )
    def test_more_regions(self, text: str, protected: str) -> None:
        assert protected in mask(text).originals

    def test_fence_inside_list_item(self) -> None:
        text = "1. Build:\n\n   ```bash\n   colcon build `x`\n   ```\n\n2. Run [it](x.md).\n"
        masked = mask(text)
        assert "```bash\n   colcon build `x`\n   ```" in masked.originals
        assert masked.text.startswith("1. Build:\n\n   ⟦P0⟧\n")

    def test_known_shortcut_references_only(self) -> None:
        text = "See [ROS] and [not a ref] and [ros][]."
        masked = mask(text, reference_labels={"ROS"})
        assert masked.originals == ("[ROS]", "[ros][]")
        assert "[not a ref]" in masked.text

    def test_text_without_regions_is_unchanged(self) -> None:
        masked = mask("Plain prose, nothing to protect.")
        assert masked.text == "Plain prose, nothing to protect."
        assert masked.originals == ()


class TestUnmask:
    def test_round_trip(self) -> None:
        masked = mask(PROSE)
        assert unmask(masked.text, masked) == PROSE

    def test_round_trip_over_every_prose_block(self, kitchen_sink: str) -> None:
        doc = parse_document(kitchen_sink)
        for block in doc.walk():
            if not block.protected and not block.children:
                masked = mask(block.text, reference_labels=doc.reference_labels)
                assert unmask(masked.text, masked) == block.text
                if block.code:
                    assert all(code.content not in masked.text for code in block.code)

    def test_rewritten_prose_keeps_placeholders(self) -> None:
        masked = mask("Call `f()` then read [docs](x.md).")
        rewritten = masked.text.replace("Call", "First call").replace("read", "see")
        assert unmask(rewritten, masked) == "First call `f()` then see [docs](x.md)."

    def test_reordered_placeholders_are_fine(self) -> None:
        masked = mask("`a` and `b`")
        assert unmask("⟦P1⟧ and ⟦P0⟧", masked) == "`b` and `a`"

    @pytest.mark.parametrize(
        ("corrupt", "error"),
        [
            (lambda t: t.replace("⟦P1⟧", ""), MissingPlaceholderError),
            (lambda t: t + " ⟦P0⟧", DuplicatedPlaceholderError),
            (lambda t: t.replace("⟦P1⟧", "⟦P 1⟧"), AlteredPlaceholderError),
            (lambda t: t.replace("⟦P1⟧", "[[P1]]"), AlteredPlaceholderError),
            (lambda t: t.replace("⟦P1⟧", "⟦P1"), AlteredPlaceholderError),
            (lambda t: t.replace("⟦P1⟧", "⟦P01⟧"), AlteredPlaceholderError),
            (lambda t: t + " ⟦P99⟧", UnknownPlaceholderError),
        ],
    )
    def test_corruption_raises(
        self, corrupt: Callable[[str], str], error: type[PlaceholderError]
    ) -> None:
        masked = mask("Use `a`, `b` and `c`.")
        with pytest.raises(error) as raised:
            unmask(corrupt(masked.text), masked)
        assert isinstance(raised.value, ValueError)
        assert raised.value.placeholders
