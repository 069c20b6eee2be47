"""Any OpenAI-compatible chat API (OpenAI, vLLM, Ollama, llama.cpp server, LiteLLM) via `openai`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import httpx2
import openai
import pydantic
from openai.types.chat import ChatCompletionMessageParam

from tailored.llm._wire import status_error
from tailored.llm.base import (
    BadResponse,
    ChatMessage,
    Completion,
    ProviderConfig,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    Usage,
    finish_completion,
)

# Local servers (Ollama, llama.cpp) take no key, but the SDK insists on one; sending a dummy
# also stops it from picking up OPENAI_API_KEY from the environment behind our back.
_NO_KEY = "not-needed"

# Errors the SDK lets through unwrapped: transport failures while reading a stream, and body
# parsing failures. Mapped here so callers only ever see ProviderError.
_DECODE_ERRORS = (json.JSONDecodeError, pydantic.ValidationError, UnicodeDecodeError)


class OpenAIProvider:
    """Chat completions through `AsyncOpenAI`; retries are off in the SDK because ours wrap it."""

    def __init__(self, config: ProviderConfig) -> None:
        self._config = config
        self._usage = Usage()
        key = config.resolved_api_key() or _NO_KEY
        self._client = openai.AsyncOpenAI(
            api_key=key,
            base_url=config.base_url,
            timeout=config.timeout_s,
            max_retries=0,
        )

    @property
    def name(self) -> str:
        return self._config.name

    @property
    def usage(self) -> Usage:
        return self._usage

    async def aclose(self) -> None:
        await self._client.close()

    def _messages(
        self, messages: Sequence[ChatMessage], system: str | None
    ) -> list[ChatCompletionMessageParam]:
        out: list[ChatCompletionMessageParam] = []
        if system:
            out.append({"role": "system", "content": system})
        for m in messages:
            if m.role == "user":
                out.append({"role": "user", "content": m.content})
            else:
                out.append({"role": "assistant", "content": m.content})
        return out

    def _map(self, exc: BaseException) -> ProviderError:
        name = self.name
        if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
            return ProviderTimeout(f"timed out after {self._config.timeout_s}s", provider=name)
        if isinstance(exc, openai.APIStatusError):
            return status_error(name, exc.status_code, exc.response.headers, exc.message)
        if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
            return ProviderUnavailable(f"connection failed: {exc!r}", provider=name)
        return BadResponse(f"malformed response: {exc!r}", provider=name)

    async def complete(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> Completion:
        """One chat completion; Truncated when finish_reason is "length"."""
        try:
            resp = await self._client.chat.completions.create(
                model=self._config.model,
                messages=self._messages(messages, system),
                max_tokens=self._config.max_tokens,
                temperature=self._config.temperature,
            )
        except (openai.APIError, httpx2.TransportError, *_DECODE_ERRORS) as exc:
            raise self._map(exc) from exc
        # The SDK builds models without validation, so a body of the wrong shape only shows
        # when read: check it here rather than let AttributeError escape.
        try:
            choice = resp.choices[0]
            text = choice.message.content
            finish = choice.finish_reason
            usage = resp.usage
            tokens_in = usage.prompt_tokens if usage else 0
            tokens_out = usage.completion_tokens if usage else 0
            model = resp.model or self._config.model
        except (AttributeError, IndexError, TypeError) as exc:
            raise BadResponse(f"malformed completion: {exc!r}", provider=self.name) from exc
        if not isinstance(text, str) or not isinstance(tokens_in, int):
            raise BadResponse("completion has no text content", provider=self.name)
        return self._finish(text, model, tokens_in, tokens_out or 0, finish)

    def _finish(
        self, text: str, model: str, tokens_in: int, tokens_out: int, finish: str | None
    ) -> Completion:
        return finish_completion(
            self.name,
            self._usage,
            text=text,
            model=model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            reason=finish,
            truncated=finish == "length",
        )

    async def stream(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> AsyncIterator[str]:
        """Yield content deltas; a stream that ends without a finish_reason is BadResponse."""
        try:
            chunks = await self._client.chat.completions.create(
                model=self._config.model,
                messages=self._messages(messages, system),
                max_tokens=self._config.max_tokens,
                temperature=self._config.temperature,
                stream=True,
                stream_options={"include_usage": True},
            )
        except (openai.APIError, httpx2.TransportError, *_DECODE_ERRORS) as exc:
            raise self._map(exc) from exc
        parts: list[str] = []
        finish: str | None = None
        model = self._config.model
        tokens_in = tokens_out = 0
        try:
            async for chunk in chunks:
                try:
                    model = chunk.model or model
                    if chunk.usage is not None:
                        tokens_in = chunk.usage.prompt_tokens
                        tokens_out = chunk.usage.completion_tokens
                    deltas: Iterable[Any] = chunk.choices or ()
                    for choice in deltas:
                        finish = choice.finish_reason or finish
                        piece = choice.delta.content if choice.delta else None
                        if piece:
                            parts.append(piece)
                            yield piece
                except (AttributeError, TypeError) as exc:
                    raise BadResponse(f"malformed chunk: {exc!r}", provider=self.name) from exc
        except (openai.APIError, httpx2.TransportError, *_DECODE_ERRORS) as exc:
            raise self._map(exc) from exc
        finally:
            await chunks.close()
        if finish is None:
            # Without a finish_reason we cannot tell a complete answer from a cut connection.
            raise BadResponse("stream ended without a finish_reason", provider=self.name)
        self._finish("".join(parts), model, tokens_in, tokens_out, finish)
