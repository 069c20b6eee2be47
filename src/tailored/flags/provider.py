"""An OpenFeature provider for Python code in the same process as Tailored.

    api.set_provider(TailoredProvider(state.flags, state.exposures))
    client = api.get_client()
    ctx = EvaluationContext(str(user.id), await flags.service.learner_context(session, user.id))
    if await client.get_boolean_value_async("llm-adapter", False, ctx): ...

The `_async` methods refresh the definitions when they are older than `flags.refresh_seconds`;
the plain ones evaluate against what was loaded last (call `await book.current()` at start-up).
A targeting key that is a learner id records the exposure, as OFREP does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import FlagResolutionDetails, FlagValueType, Reason
from openfeature.provider import AbstractProvider, Metadata

from tailored.flags.book import FlagBook
from tailored.flags.exposures import Exposures
from tailored.flags.rules import FlagDef, TargetingKeyMissing, evaluate
from tailored.signals import service as signals

T = TypeVar("T")
ObjectValue = Sequence[FlagValueType] | Mapping[str, FlagValueType]


class TailoredProvider(AbstractProvider):
    def __init__(self, book: FlagBook, exposures: Exposures | None = None) -> None:
        super().__init__()
        self._book = book
        self._exposures = exposures

    def get_metadata(self) -> Metadata:
        return Metadata(name="tailored")

    def _resolve(
        self,
        flags: Mapping[str, FlagDef],
        key: str,
        default: T,
        kinds: type | tuple[type, ...],
        context: EvaluationContext | None,
    ) -> FlagResolutionDetails[T]:
        flag = flags.get(key)
        if flag is None:
            return _error(default, ErrorCode.FLAG_NOT_FOUND, f"no flag {key!r}")
        targeting_key = context.targeting_key if context else None
        attributes: dict[str, Any] = dict(context.attributes) if context else {}
        try:
            result = evaluate(flag, attributes, targeting_key)
        except TargetingKeyMissing as exc:
            return _error(default, ErrorCode.TARGETING_KEY_MISSING, str(exc))
        value = result.value
        # bool is an int in Python; a boolean flag read as a number is still a mismatch.
        if not isinstance(value, kinds) or (isinstance(value, bool) and kinds in (int, float)):
            if not (kinds is float and isinstance(value, int) and not isinstance(value, bool)):
                return _error(default, ErrorCode.TYPE_MISMATCH, f"{key} is {type(value).__name__}")
            value = float(value)
        if self._exposures is not None and (learner := _learner(targeting_key)) is not None:
            self._exposures.add(learner, key, flag.version, result.variant)
        return FlagResolutionDetails(
            value=value,
            reason=Reason(result.reason),
            variant=result.variant,
            flag_metadata=result.metadata,
        )

    def resolve_boolean_details(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[bool]:
        return self._resolve(self._book.snapshot, flag_key, default_value, bool, evaluation_context)

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        return self._resolve(self._book.snapshot, flag_key, default_value, str, evaluation_context)

    def resolve_integer_details(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        return self._resolve(self._book.snapshot, flag_key, default_value, int, evaluation_context)

    def resolve_float_details(
        self,
        flag_key: str,
        default_value: float,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[float]:
        return self._resolve(
            self._book.snapshot, flag_key, default_value, float, evaluation_context
        )

    def resolve_object_details(
        self,
        flag_key: str,
        default_value: ObjectValue,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[ObjectValue]:
        return self._resolve(
            self._book.snapshot, flag_key, default_value, (dict, list), evaluation_context
        )

    async def resolve_boolean_details_async(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[bool]:
        flags = await self._book.current()
        return self._resolve(flags, flag_key, default_value, bool, evaluation_context)

    async def resolve_string_details_async(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        flags = await self._book.current()
        return self._resolve(flags, flag_key, default_value, str, evaluation_context)

    async def resolve_integer_details_async(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        flags = await self._book.current()
        return self._resolve(flags, flag_key, default_value, int, evaluation_context)

    async def resolve_float_details_async(
        self,
        flag_key: str,
        default_value: float,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[float]:
        flags = await self._book.current()
        return self._resolve(flags, flag_key, default_value, float, evaluation_context)

    async def resolve_object_details_async(
        self,
        flag_key: str,
        default_value: ObjectValue,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[ObjectValue]:
        flags = await self._book.current()
        return self._resolve(flags, flag_key, default_value, (dict, list), evaluation_context)


def _error(default: T, code: ErrorCode, message: str) -> FlagResolutionDetails[T]:
    return FlagResolutionDetails(
        value=default, reason=Reason.ERROR, error_code=code, error_message=message
    )


def _learner(targeting_key: str | None) -> str | None:
    """The learner key of an account id; None for anything else."""
    try:
        return signals.learner_for_user(uuid.UUID(targeting_key)) if targeting_key else None
    except ValueError:
        return None
