from __future__ import annotations

import pytest

from tailored.markdown.anchors import Slugger, parse_heading_id, slugify


def test_github_slugger_sequence() -> None:
    # The running sequence from github-slugger's own fixtures (one slugger throughout).
    cases = [
        ("alpha", "alpha"),
        ("alpha", "alpha-1"),
        ("bravoCharlieDelta", "bravocharliedelta"),
        ("__proto__", "__proto__"),
        ("__proto__", "__proto__-1"),
        ("hasOwnProperty", "hasownproperty"),
        ("echo", "echo"),
        ("echo", "echo-1"),
        ("echo 1", "echo-1-1"),
        ("echo-1", "echo-1-2"),
        ("echo", "echo-2"),
        ("foxtrot-1", "foxtrot-1"),
        ("foxtrot", "foxtrot"),
        ("foxtrot", "foxtrot-2"),
        ("heading with a - dash", "heading-with-a---dash"),
        ("heading with an _ underscore", "heading-with-an-_-underscore"),
        ("heading with a period.txt", "heading-with-a-periodtxt"),
        (
            "exchange.bind_headers(exchange, routing [, bindCallback])",
            "exchangebind_headersexchange-routing--bindcallback",
        ),
        (" a ", "-a-"),
        ("-a-", "-a--1"),
        ("apostrophe’s should be trimmed", "apostrophes-should-be-trimmed"),
        ("I ♥ unicode", "i--unicode"),
        ("en–dash", "endash"),
        ("😄 unicode emoji", "-unicode-emoji"),
        ("😄_😄 unicode emoji", "_-unicode-emoji"),
        (":ok_hand: Single", "ok_hand-single"),
        ("Привет non-latin 你好", "привет-non-latin-你好"),
    ]
    slugger = Slugger()
    assert [slugger.slug(text) for text, _ in cases] == [expected for _, expected in cases]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اردو میں خوش آمدید", "اردو-میں-خوش-آمدید"),
        ("Café Déjà Vu", "café-déjà-vu"),
        ("Cafe\u0301", "cafe\u0301"),  # combining mark kept
        ("हिन्दी पाठ", "हिन्दी-पाठ"),
        ("x² + y²", "x--y"),  # superscripts are Other_Number: removed
        ("Ⅻ chapters", "ⅻ-chapters"),  # Letter_Number kept
        ("Ⓐ circled", "ⓐ-circled"),  # Other_Symbol but Alphabetic: kept
        ("tab\there", "tabhere"),  # control characters removed
        ("a\u00a0b", "ab"),  # no-break space is a separator, not ' '
        ("‿ connector", "‿-connector"),
        ("The rclpy API", "the-rclpy-api"),
        ("", ""),
    ],
)
def test_slugify_unicode(text: str, expected: str) -> None:
    assert slugify(text) == expected


def test_slugify_maintain_case() -> None:
    assert slugify("Hello World", maintain_case=True) == "Hello-World"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Title {#my-id}", ("Title", "my-id")),
        ("Title{#x}", ("Title", "x")),
        ("Part *one* {#Mixed_Case.id}", ("Part *one*", "Mixed_Case.id")),
        ("Title", ("Title", None)),
        ("{#a} Title", ("{#a} Title", None)),
        ("Title {#}", ("Title {#}", None)),
        ("Title {#a}b", ("Title {#a}b", None)),
        ("Title {#a}\n", ("Title {#a}\n", None)),
    ],
)
def test_parse_heading_id(text: str, expected: tuple[str, str | None]) -> None:
    assert parse_heading_id(text) == expected


def test_explicit_ids_are_registered() -> None:
    slugger = Slugger()
    assert slugger.register("install") == "install"
    assert slugger.slug("Install") == "install-1"
    assert slugger.register("install") == "install-2"
    assert slugger.register("Custom_ID") == "Custom_ID"


def test_reset_forgets_slugs() -> None:
    slugger = Slugger()
    assert slugger.slug("a") == "a"
    slugger.reset()
    assert slugger.slug("a") == "a"
