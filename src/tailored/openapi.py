"""The OpenAPI document, finished so that it says what the server does.

FastAPI documents request validation errors in its own shape (`{"detail": [...]}`), while the
house handler answers `{"error": "ValidationError", "detail": [...]}`; and a constraint that
comes from settings (the password minimum) cannot be written into a model at import time.
Both are put right here, once, on the generated document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from tailored.accounts.schemas import NEW_PASSWORD_MARK
from tailored.config import Settings
from tailored.errors import ValidationErrorBody

_REF = "#/components/schemas/"


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the finished document from `app.openapi()` (and so `/openapi.json`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = finish(generate(), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def finish(spec: dict[str, Any], settings: Settings) -> dict[str, Any]:
    schemas: dict[str, Any] = spec.setdefault("components", {}).setdefault("schemas", {})
    _house_validation_errors(spec, schemas)
    for schema in schemas.values():
        for prop in schema.get("properties", {}).values():
            if prop.pop(NEW_PASSWORD_MARK, False):
                prop["minLength"] = settings.password_min_length
    return spec


def _house_validation_errors(spec: dict[str, Any], schemas: dict[str, Any]) -> None:
    _, defs = models_json_schema(
        [(ValidationErrorBody, "serialization")], ref_template=_REF + "{model}"
    )
    schemas.update(defs.get("$defs", {}))
    for item in spec.get("paths", {}).values():
        for op in item.values():
            # FastAPI validates (and may answer 422) exactly where there is input to validate.
            if "parameters" not in op and "requestBody" not in op:
                continue
            responses = op["responses"]
            entry = responses.get("422")
            if entry is None or _ref_of(entry).endswith("/HTTPValidationError"):
                responses["422"] = {
                    "description": "ValidationError",
                    "content": {
                        "application/json": {"schema": {"$ref": _REF + "ValidationErrorBody"}}
                    },
                }
            elif "ValidationError" not in entry["description"].split(", "):
                # The route's own 422 is ErrorBody (any detail), which covers both.
                entry["description"] = f"ValidationError, {entry['description']}"
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)


def _ref_of(entry: dict[str, Any]) -> str:
    schema = entry.get("content", {}).get("application/json", {}).get("schema", {})
    ref: str = schema.get("$ref", "")
    return ref
