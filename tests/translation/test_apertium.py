"""The Apertium text model on its own: pairs found, placeholders kept, failures typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tailored.llm.base import ProviderTimeout
from tailored.translation.machine import (
    ApertiumError,
    ApertiumTranslator,
    MachineTranslators,
    _run,
    shield,
    unshield,
)

# Placeholders where Apertium's rules move words around: inside hyphenated compounds, between
# adjective and noun, glued to words and to each other, at the start of a line.
TRICKY = (
    "⟦P0⟧ is a node. From a PID loop to a 7-billion-parameter ⟦P1⟧.\n"
    "The ⟦P2⟧ node runs ⟦P3⟧⟦P4⟧ fast-moving ⟦P5⟧-based tools and ⟦P6⟧s.\n"
    "\n"
    "- a small red ⟦P7⟧ robot ⟦P8⟧ walks ⟦P9⟧ ⟦P10⟧ ⟦P11⟧ ⟦P12⟧\n"
    "5. **Policy** — the decision-maker, from a PID loop to a 7-billion-parameter ⟦P13⟧.\n"
)
COUNT = 14


@pytest.mark.usefixtures("apertium")
class TestPairs:
    async def test_installed_pairs_are_found(self) -> None:
        apertium = ApertiumTranslator()
        assert "eng-spa" in await apertium.pairs()
        assert "es" in await apertium.languages("en")
        assert await apertium.pair_for("en", "es") == "eng-spa"
        assert await apertium.pair_for("en", "ur") is None
        assert await apertium.model_for("en", "ur", {}) is None

    async def test_label_names_pair_and_version(self) -> None:
        model = await ApertiumTranslator().model_for("en", "es", {})
        assert model is not None
        assert re.fullmatch(r"apertium:eng-spa@[0-9a-f]{12}", model.label)

    async def test_chain_reports_what_it_can(self) -> None:
        chain = MachineTranslators([ApertiumTranslator()])
        assert await chain.can("en", "es")
        assert not await chain.can("en", "ur")
        (line,) = await chain.describe()
        assert line.startswith("apertium: pairs ")
        assert "eng-spa" in line


@pytest.mark.usefixtures("apertium")
class TestPlaceholders:
    def test_shield_round_trip(self) -> None:
        assert shield("a ⟦P0⟧ b ⟦P12⟧") == "a ⟦⓪⟧ b ⟦①②⟧"
        assert unshield(shield(TRICKY)) == TRICKY

    async def test_every_placeholder_comes_back_once_unchanged(self) -> None:
        model = await ApertiumTranslator().model_for("en", "es", {})
        assert model is not None
        out = (await model.generate(TRICKY, attempt=1)).text
        found = re.findall(r"⟦P\d+⟧", out)
        assert sorted(found) == sorted(f"⟦P{i}⟧" for i in range(COUNT))
        assert "⟦" not in re.sub(r"⟦P\d+⟧", "", out)
        assert "nodo" in out

    async def test_unshielded_placeholders_would_be_mangled(self) -> None:
        """Why `shield` exists: raw `⟦P1⟧` loses its brackets in a compound."""
        model = await ApertiumTranslator().model_for("en", "es", {})
        assert model is not None
        line = "the decision-maker, from a PID loop to a 7-billion-parameter ⟦P3⟧.\n"
        raw = await _run("apertium", ["-u", "-f", "txt", "eng-spa"], line, 30)
        assert "⟦P3⟧" not in raw
        assert "⟦P3⟧" in (await model.generate(line, attempt=1)).text


class TestFailures:
    async def test_missing_command(self, tmp_path: Path) -> None:
        apertium = ApertiumTranslator(command=str(tmp_path / "apertium"))
        assert await apertium.pairs() == {}
        assert "not installed" in await apertium.describe()

    @pytest.mark.usefixtures("apertium")
    async def test_timeout_is_a_provider_timeout(self) -> None:
        model = await ApertiumTranslator(timeout_s=0.001).model_for("en", "es", {})
        assert model is not None
        with pytest.raises(ProviderTimeout):
            await model.generate("The robot walks. " * 200, attempt=1)

    async def test_failing_pipeline_is_an_error(self, tmp_path: Path) -> None:
        script = tmp_path / "apertium"
        script.write_text(
            '#!/bin/sh\nif [ "$1" = -l ]; then echo eng-spa; exit 0; fi\n'
            "echo 'Error: broken pair' >&2\nexit 3\n"
        )
        script.chmod(0o755)
        model = await ApertiumTranslator(command=str(script)).model_for("en", "es", {})
        assert model is not None
        with pytest.raises(ApertiumError, match="exited 3: Error: broken pair"):
            await model.generate("The robot walks.", attempt=1)


@pytest.mark.usefixtures("apertium")
class TestUnderUvloop:
    def test_translates_on_the_servers_event_loop(self) -> None:
        """`tailored serve` runs uvloop, whose subprocess pipes are sockets: the apertium
        script read nothing from one and every section came back empty."""
        import uvloop

        async def translate() -> str:
            model = await ApertiumTranslator().model_for("en", "es", {})
            assert model is not None
            return (await model.generate("The robot walks to the door.\n", attempt=1)).text

        out = uvloop.run(translate())
        assert "robot" in out
        assert "puerta" in out
