"""Machine translators: what turns a masked section into another language.

A `MachineTranslator` answers "can you translate source → target, and with which text model?".
The text model (`tailored.llm.rewrite.TextModel`) is what the section rewriter drives: it masks
code, links, markup and kept terms, calls `generate` once per section, and checks the answer.

- `LLMTranslator`: the configured language-model providers, any language they know.
- `ApertiumTranslator`: Debian's rule-based Apertium, through its command line, for the pairs
  installed (`apt-get install apertium apertium-eng-spa`). Offline and deterministic.

`MachineTranslators` holds them in the configured order and picks the first that can.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tailored.kit.languages import alpha3, is_language, language_name
from tailored.llm.base import ProviderTimeout, ProviderUnavailable
from tailored.llm.prompts import llm_text_model
from tailored.llm.rewrite import Generated, TextModel
from tailored.llm.router import ProviderChain

log = logging.getLogger("tailored.translation")


class MachineTranslator(Protocol):
    @property
    def name(self) -> str: ...

    async def languages(self, source: str) -> frozenset[str] | None:
        """Target languages reachable from `source`; None means any language."""
        ...

    async def model_for(
        self, source: str, target: str, keep_terms: Mapping[str, str]
    ) -> TextModel | None:
        """The text model translating `source` → `target`, or None when this one cannot."""
        ...

    async def describe(self) -> str:
        """One line for people: what this translator can do here (for errors and listings)."""
        ...


# -- LLM -----------------------------------------------------------------------------------


class LLMTranslator:
    """Translation by the configured providers (fallback order), with the `translate` prompt."""

    name = "llm"

    def __init__(self, chain: ProviderChain, prompts_dir: Path | None = None) -> None:
        self.chain = chain
        self.prompts_dir = prompts_dir

    async def languages(self, source: str) -> frozenset[str] | None:
        return None

    async def model_for(
        self, source: str, target: str, keep_terms: Mapping[str, str]
    ) -> TextModel | None:
        # Kept terms reach the model as placeholders; listing them stops it from translating
        # a bare part of one ("ROS" of "ROS 2") that the masker did not match.
        glossary = "\n".join(f"   - {term}" for term in sorted(keep_terms)) or "   (none)"
        return llm_text_model(
            self.chain,
            "translate",
            {
                "source_language": language_name(source),
                "target_language": language_name(target),
                "glossary": glossary,
            },
            self.prompts_dir,
            provider_label=self.chain.label,
        )

    async def describe(self) -> str:
        return f"llm: providers {self.chain.label}, any language"


# -- Apertium ------------------------------------------------------------------------------

_MODE_PATH_RE = re.compile(r"'(/[^']+)'")
DISCOVERY_TIMEOUT_S = 30.0


class ApertiumError(ProviderUnavailable):
    """Apertium is missing, or it failed on a section."""


@dataclass(frozen=True)
class ApertiumModel:
    """One Apertium pair as a `TextModel`: a masked section on stdin, its translation out."""

    pair: str
    command: str
    data_dir: Path | None
    timeout_s: float
    version: str
    limit: asyncio.Semaphore

    @property
    def label(self) -> str:
        return f"apertium:{self.pair}@{self.version}"

    async def generate(self, masked: str, *, attempt: int) -> Generated:
        # Apertium is deterministic: a second attempt would give the same answer.
        args = ["-u", "-f", "txt"]
        if self.data_dir is not None:
            args += ["-d", str(self.data_dir)]
        async with self.limit:
            out = await _run(self.command, [*args, self.pair], shield(masked), self.timeout_s)
        return Generated(unshield(out))


# Apertium reads `⟦P3⟧` as the word "P3" between two punctuation marks, and its transfer
# rules may move that word away from its brackets ("7-billion-parameter ⟦P3⟧" came back as
# "7-P3demil millones ⟦parámetros⟧"). Spelled with circled digits the placeholder holds no
# letter or digit in any Apertium alphabet, so it passes through as formatting, in one piece.
_CIRCLED = "⓪①②③④⑤⑥⑦⑧⑨"
_TO_CIRCLED = str.maketrans("0123456789", _CIRCLED)
_FROM_CIRCLED = str.maketrans(_CIRCLED, "0123456789")
_PLACEHOLDER_RE = re.compile(r"⟦P(\d+)⟧")
_SHIELDED_RE = re.compile(f"⟦([{_CIRCLED}]+)⟧")


def shield(masked: str) -> str:
    """Placeholders in a form Apertium leaves alone (`⟦P12⟧` → `⟦①②⟧`)."""
    return _PLACEHOLDER_RE.sub(lambda m: f"⟦{m.group(1).translate(_TO_CIRCLED)}⟧", masked)


def unshield(text: str) -> str:
    """Back to `⟦P12⟧`; anything Apertium broke stays broken, and the rewriter rejects it."""
    return _SHIELDED_RE.sub(lambda m: f"⟦P{m.group(1).translate(_FROM_CIRCLED)}⟧", text)


async def _run(command: str, args: Sequence[str], stdin: str, timeout_s: float) -> str:
    # The text goes in through a file, not a pipe: under uvloop (what `tailored serve` runs)
    # a subprocess "pipe" is a socket, and the apertium script then reads nothing.
    with tempfile.TemporaryFile() as source:
        source.write(stdin.encode())
        source.seek(0)
        try:
            proc = await asyncio.create_subprocess_exec(
                command,
                *args,
                stdin=source,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                # `apertium` is a shell script running a pipeline: its own process group lets
                # a timeout stop every stage, not just the script.
                start_new_session=True,
            )
        except OSError as exc:
            raise ApertiumError(f"cannot run {command!r}: {exc}", provider="apertium") from exc
        return await _collect(proc, command, timeout_s)


async def _collect(proc: asyncio.subprocess.Process, command: str, timeout_s: float) -> str:
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout_s)
    except (TimeoutError, asyncio.CancelledError) as exc:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        if isinstance(exc, asyncio.CancelledError):
            raise
        raise ProviderTimeout(f"no answer within {timeout_s:g} s", provider="apertium") from None
    if proc.returncode != 0:
        message = err.decode(errors="replace").strip().splitlines()
        raise ApertiumError(
            f"{command} exited {proc.returncode}: {message[0] if message else 'no message'}",
            provider="apertium",
        )
    return out.decode("utf-8", errors="replace")


class ApertiumTranslator:
    """Apertium's installed pairs. Found once, on first use, with `apertium -l`."""

    name = "apertium"

    def __init__(
        self,
        *,
        command: str = "apertium",
        data_dir: Path | None = None,
        timeout_s: float = 30.0,
        concurrency: int | None = None,
    ) -> None:
        self.command = command
        self.data_dir = data_dir
        self.timeout_s = timeout_s
        # Each call starts a pipeline of ~10 processes (~0.2 s): more at once than cores
        # only queues them in the kernel instead of here.
        self.limit = asyncio.Semaphore(concurrency or os.cpu_count() or 2)
        self._pairs: dict[str, str] | None = None
        self._problem: str | None = None
        self._lock = asyncio.Lock()

    async def pairs(self) -> dict[str, str]:
        """Installed mode name → its version (a digest of the mode and the files it uses)."""
        async with self._lock:
            if self._pairs is None:
                self._pairs = await self._discover()
            return self._pairs

    async def _discover(self) -> dict[str, str]:
        if shutil.which(self.command) is None:
            self._problem = f"the {self.command!r} command is not installed"
            return {}
        args = ["-l"] + (["-d", str(self.data_dir)] if self.data_dir is not None else [])
        try:
            listing = await _run(self.command, args, "", DISCOVERY_TIMEOUT_S)
        except (ApertiumError, ProviderTimeout) as exc:
            self._problem = f"'{self.command} -l' failed: {exc}"
            return {}
        modes = [line.strip() for line in listing.splitlines() if line.strip()]
        self._problem = None if modes else "no Apertium language pairs are installed"
        return {mode: self._version(mode) for mode in modes}

    def _version(self, mode: str) -> str:
        """Changes when the pair's package is upgraded, so cached translations are redone."""
        data_dir = self.data_dir or Path(os.environ.get("APERTIUM_DATADIR", "/usr/share/apertium"))
        try:
            text = (data_dir / "modes" / f"{mode}.mode").read_text(encoding="utf-8")
        except OSError:
            return "unknown"
        digest = hashlib.sha256(text.encode())
        for path in sorted(set(_MODE_PATH_RE.findall(text))):
            with contextlib.suppress(OSError):
                stat = Path(path).stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        return digest.hexdigest()[:12]

    async def pair_for(self, source: str, target: str) -> str | None:
        pairs = await self.pairs()
        candidates = [f"{alpha3(source)}-{alpha3(target)}", f"{source}-{target}"]
        return next((c for c in candidates if c in pairs), None)

    async def languages(self, source: str) -> frozenset[str]:
        out: set[str] = set()
        prefixes = (f"{alpha3(source)}-", f"{source}-")
        for mode in await self.pairs():
            head = next((p for p in prefixes if mode.startswith(p)), None)
            if head is None:
                continue
            target = mode[len(head) :]
            if len(target) == 3:
                code = _from_alpha3(target)
                if code is not None:
                    out.add(code)
            elif is_language(target):
                out.add(target)
        return frozenset(out)

    async def model_for(
        self, source: str, target: str, keep_terms: Mapping[str, str]
    ) -> TextModel | None:
        pair = await self.pair_for(source, target)
        if pair is None:
            return None
        return ApertiumModel(
            pair=pair,
            command=self.command,
            data_dir=self.data_dir,
            timeout_s=self.timeout_s,
            version=(await self.pairs())[pair],
            limit=self.limit,
        )

    async def describe(self) -> str:
        pairs = await self.pairs()
        if not pairs:
            return f"apertium: unavailable ({self._problem})"
        return f"apertium: pairs {', '.join(sorted(pairs))}"


def _from_alpha3(code: str) -> str | None:
    import pycountry

    language = pycountry.languages.get(alpha_3=code)
    alpha2 = getattr(language, "alpha_2", None) if language is not None else None
    return str(alpha2) if alpha2 else None


# -- the chain -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Picked:
    translator: str
    model: TextModel


class MachineTranslators:
    """The configured machine translators, in order; the first that can translate wins."""

    def __init__(self, translators: Sequence[MachineTranslator]) -> None:
        self.translators = list(translators)

    async def pick(self, source: str, target: str, keep_terms: Mapping[str, str]) -> Picked | None:
        for translator in self.translators:
            model = await translator.model_for(source, target, keep_terms)
            if model is not None:
                return Picked(translator.name, model)
        return None

    async def can(self, source: str, target: str) -> bool:
        for translator in self.translators:
            languages = await translator.languages(source)
            if languages is None or target in languages:
                return True
        return False

    async def languages(self, source: str) -> dict[str, list[str] | None]:
        """Translator name → target languages (None: any)."""
        out: dict[str, list[str] | None] = {}
        for translator in self.translators:
            languages = await translator.languages(source)
            out[translator.name] = None if languages is None else sorted(languages)
        return out

    async def describe(self) -> list[str]:
        return [await t.describe() for t in self.translators]
