"""YAML that authors write, parsed safely: the only module that calls PyYAML.

Two rule sets, because two readers matter:

- `docusaurus=True` reads YAML the way Docusaurus (js-yaml) does, for front matter and
  `_category_.yml`: YAML 1.2 booleans only (`yes`/`on` stay strings), dates kept as text
  (so the result is JSON-compatible), duplicate keys refused.
- the default is PyYAML's safe loader, for Tailored's own files (glossary, keep lists).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

import yaml

__all__ = ["YamlError", "load_yaml", "parse_yaml"]


class YamlError(ValueError):
    """Text that is not YAML; `str()` is one line: ``"line N: problem"`` when N is known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(problem if line is None else f"line {line}: {problem}")


class _DocusaurusLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans, dates kept as text and duplicate keys refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_DocusaurusLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_DocusaurusLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_yaml(text: str, *, docusaurus: bool = False, first_line: int = 1) -> Any:
    """The document in `text`, or YamlError naming the line of the problem.

    `first_line` is the file's line number of the text's first line (front matter starts
    on line 2 of its file), so the error names the line an author sees.
    """
    loader: type[yaml.SafeLoader] = _DocusaurusLoader if docusaurus else yaml.SafeLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader or a subclass of it
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = _one_line(exc.problem or exc.context or "syntax error")
        raise YamlError(problem, None if mark is None else mark.line + first_line) from None
    except yaml.YAMLError as exc:
        raise YamlError(_one_line(str(exc))) from None
    except RecursionError:
        raise YamlError("nested too deeply") from None


def load_yaml(text: str) -> Any:
    """The document in `text`; ValueError("invalid YAML: line N: problem") when it is not YAML."""
    try:
        return parse_yaml(text)
    except YamlError as exc:
        raise ValueError(f"invalid YAML: {exc}") from None
