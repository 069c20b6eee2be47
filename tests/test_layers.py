"""The layering the architecture promises (docs/architecture.md), checked on the source."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "tailored"
# Build and connect; they may import anything and nothing imports them.
WIRING = {
    "app",
    "cli",
    "deps",
    "state",
    "health",
    "housekeeping",
    "openapi",
    "migrations",
    "__init__",
    "__main__",
}
# Each layer may import only from the layers before it (and itself).
LAYERS = [
    {"errors"},
    {"kit"},
    {"config"},
    {"models"},
    {"markdown"},
    {"llm", "testing"},
    {"derived"},
    {"accounts", "profiles", "content"},
    {"inference"},
    {"signals"},
    {"personalization", "flags", "stream", "tutor"},
    {"recommendations"},
    {"translation", "analytics", "privacy", "web"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _top(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


class TestLayers:
    def test_every_package_has_a_layer(self) -> None:
        tops = {_top(p) for p in PACKAGE.rglob("*.py")} - WIRING
        assert tops <= set(RANK), f"place these in LAYERS: {sorted(tops - set(RANK))}"

    def test_no_package_imports_a_layer_above_it(self) -> None:
        wrong: list[str] = []
        for path in PACKAGE.rglob("*.py"):
            top = _top(path)
            if top in WIRING:
                continue
            for module in _imports(path):
                parts = module.split(".")
                if parts[0] != "tailored" or len(parts) < 2 or parts[1] == top:
                    continue
                target = parts[1]
                if path.name == "endpoints.py" and target in ("deps", "state"):
                    continue  # routes take their dependencies from the wiring
                if target in WIRING or RANK.get(target, -1) > RANK[top]:
                    wrong.append(f"{path.relative_to(PACKAGE)} imports {module}")
                elif RANK.get(target) == RANK[top] and top not in ("translation",):
                    # Siblings stay apart; translation composes personalization's service.
                    wrong.append(f"{path.relative_to(PACKAGE)} imports sibling {module}")
        assert wrong == []

    def test_only_signals_reads_the_signal_tables(self) -> None:
        """Other domains ask signals' service (recommendations' one-round-trip facts, flags'
        experiment outcomes), so its tables can change without them."""
        private = {"SignalEvent", "SignalScore", "SignalRollup", "ContentPopularity"}
        wrong: list[str] = []
        for path in PACKAGE.rglob("*.py"):
            if _top(path) in {"signals", "models", "migrations"}:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "tailored.models"
                ):
                    names = {alias.name for alias in node.names} & private
                    wrong.extend(f"{path.relative_to(PACKAGE)} imports {n}" for n in names)
        assert wrong == []

    def test_benchmarks_import_nothing_from_tests(self) -> None:
        offenders = [
            f"{path.name}: {module}"
            for path in (ROOT / "bench").glob("*.py")
            for module in _imports(path)
            if module.split(".")[0] == "tests"
        ]
        assert offenders == []
