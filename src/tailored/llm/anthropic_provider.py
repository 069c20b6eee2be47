"""Anthropic's Messages API via the official `anthropic` SDK."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence

import anthropic
import httpx2
import pydantic
from anthropic.types import MessageParam

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

_DECODE_ERRORS = (json.JSONDecodeError, pydantic.ValidationError, UnicodeDecodeError)


class AnthropicProvider:
    """Messages through `AsyncAnthropic`; retries are off in the SDK because ours wrap it.

    `base_url` is the host root (the SDK adds `/v1/messages`), unlike OpenAI's which ends in /v1.
    `temperature` is not sent: anthropic 2.x no longer has the parameter.
    """

    def __init__(self, config: ProviderConfig) -> None:
        key = config.resolved_api_key()
        if key is None:
            raise ValueError(f"provider {config.name!r}: anthropic needs api_key or api_key_env")
        self._config = config
        self._usage = Usage()
        self._client = anthropic.AsyncAnthropic(
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

    @staticmethod
    def _messages(messages: Sequence[ChatMessage]) -> list[MessageParam]:
        out: list[MessageParam] = []
        for m in messages:
            if m.role == "user":
                out.append({"role": "user", "content": m.content})
            else:
                out.append({"role": "assistant", "content": m.content})
        return out

    def _map(self, exc: BaseException) -> ProviderError:
        name = self.name
        if isinstance(exc, anthropic.APITimeoutError | httpx2.TimeoutException):
            return ProviderTimeout(f"timed out after {self._config.timeout_s}s", provider=name)
        if isinstance(exc, anthropic.APIStatusError):
            return status_error(name, exc.status_code, exc.response.headers, exc.message)
        if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
            return ProviderUnavailable(f"connection failed: {exc!r}", provider=name)
        return BadResponse(f"malformed response: {exc!r}", provider=name)

    def _finish(
        self, text: str, model: str, tokens_in: int, tokens_out: int, stop: str | None
    ) -> Completion:
        return finish_completion(
            self.name,
            self._usage,
            text=text,
            model=model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            reason=stop,
            truncated=stop == "max_tokens",
        )

    async def complete(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> Completion:
        """One message; Truncated when stop_reason is "max_tokens"."""
        try:
            msg = await self._client.messages.create(
                model=self._config.model,
                messages=self._messages(messages),
                max_tokens=self._config.max_tokens,
                system=system if system else anthropic.omit,
            )
        except (anthropic.APIError, httpx2.TransportError, *_DECODE_ERRORS) as exc:
            raise self._map(exc) from exc
        # The SDK constructs without validating; a body of the wrong shape shows up on access.
        try:
            text = "".join(b.text for b in msg.content if b.type == "text")
            tokens_in, tokens_out = msg.usage.input_tokens, msg.usage.output_tokens
            stop, model = msg.stop_reason, msg.model or self._config.model
        except (AttributeError, TypeError) as exc:
            raise BadResponse(f"malformed message: {exc!r}", provider=self.name) from exc
        if not isinstance(tokens_in, int) or not isinstance(tokens_out, int):
            raise BadResponse("message has no usage", provider=self.name)
        return self._finish(text, model, tokens_in, tokens_out, stop)

    async def stream(
        self, messages: Sequence[ChatMessage], *, system: str | None = None
    ) -> AsyncIterator[str]:
        """Yield text deltas; a stream without message_stop is BadResponse."""
        try:
            events = await self._client.messages.create(
                model=self._config.model,
                messages=self._messages(messages),
                max_tokens=self._config.max_tokens,
                stream=True,
                system=system if system else anthropic.omit,
            )
        except (anthropic.APIError, httpx2.TransportError, *_DECODE_ERRORS) as exc:
            raise self._map(exc) from exc
        parts: list[str] = []
        model = self._config.model
        stop: str | None = None
        tokens_in = tokens_out = 0
        stopped = False
        try:
            async for event in events:
                try:
                    if event.type == "message_start":
                        model = event.message.model or model
                        tokens_in = event.message.usage.input_tokens
                        tokens_out = event.message.usage.output_tokens
                    elif event.type == "content_block_delta":
                        if event.delta.type == "text_delta" and event.delta.text:
                            parts.append(event.delta.text)
                            yield event.delta.text
                    elif event.type == "message_delta":
                        stop = event.delta.stop_reason or stop
                        tokens_out = event.usage.output_tokens
                    elif event.type == "message_stop":
                        stopped = True
                except (AttributeError, TypeError) as exc:
                    raise BadResponse(f"malformed event: {exc!r}", provider=self.name) from exc
        except (anthropic.APIError, httpx2.TransportError, *_DECODE_ERRORS) as exc:
            raise self._map(exc) from exc
        finally:
            await events.close()
        if not stopped:
            raise BadResponse("stream ended without message_stop", provider=self.name)
        self._finish("".join(parts), model, tokens_in, tokens_out, stop)
