"""What a piece of HTML holds, read with the standard library's parser (not with substrings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements with no end tag: they never open a scope in `Facts.text_in`.
_VOID = frozenset({"area", "br", "col", "hr", "img", "input", "link", "meta", "source", "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


@dataclass
class Facts:
    elements: list[Element] = field(default_factory=list)
    text: str = ""

    def tags(self) -> set[str]:
        return {e.tag for e in self.elements}

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag]

    def with_class(self, cls: str) -> list[Element]:
        return [e for e in self.elements if cls in (e.attrs.get("class") or "").split()]

    def attributes(self) -> list[tuple[str, str, str | None]]:
        return [(e.tag, name, value) for e in self.elements for name, value in e.attrs.items()]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = Facts()
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.facts.elements.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.facts.elements.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                break

    def handle_data(self, data: str) -> None:
        self.facts.text += data
        for element in self.open:
            element.text += data


def read_html(html: str) -> Facts:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.facts


def assert_inert(html: str) -> Facts:
    """Nothing in `html` can run code: no script-capable element, handler or script URL."""
    facts = read_html(html)
    assert not facts.tags() & {"script", "iframe", "object", "embed", "style", "form", "svg"}
    for tag, name, value in facts.attributes():
        assert not name.startswith("on"), (tag, name, value)
        assert name != "style", (tag, name, value)
        if name in ("href", "src", "action", "formaction", "xlink:href"):
            scheme = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            assert not scheme.startswith(("javascript:", "vbscript:", "data:")), (tag, value)
    return facts
