"""Query strings read by one pydantic model, for the routes polled hardest.

FastAPI binds every query parameter (and every dependency) of a route on its own; for the
report list, with seven parameters and a cached page to send, that binding cost more than
the rest of the request. A route that takes ``request`` alone can read its query with
:func:`parse_query` (one validation of one model) and publish the same model's fields as
its OpenAPI parameters with :func:`query_parameters`: the document and the validation
come from the one model, and answer as every other route does:

- a name the model does not have, or one given twice, is refused (400) first;
- an invalid value raises FastAPI's ``RequestValidationError`` with the parameter's
  location (``query.<name>``), which the error handlers answer with 400.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from compliance.api.deps import check_query_names

__all__ = ["parse_query", "query_parameters"]

M = TypeVar("M", bound=BaseModel)


@cache
def _names(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(field.alias or name for name, field in model.model_fields.items())


def parse_query(request: Request, model: type[M]) -> M:
    """``request``'s query string as ``model`` (whose fields are named by their aliases)."""
    values = check_query_names(request, _names(model)) if request.query_params else {}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = [
            {**error, "loc": ("query", *error["loc"])} for error in exc.errors(include_url=False)
        ]
        raise RequestValidationError(errors) from None


def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """OpenAPI parameter objects (``in: query``) for ``model``'s fields, in their order, with
    their JSON schemas (definitions the schemas refer to are written in place)."""
    schema = model.model_json_schema(by_alias=True)
    definitions = schema.get("$defs", {})
    parameters = []
    for name, field in model.model_fields.items():
        alias = field.alias or name
        parameter: dict[str, Any] = {
            "name": alias,
            "in": "query",
            "required": field.is_required(),
            "schema": _inlined(schema["properties"][alias], definitions),
        }
        if field.description:
            parameter["description"] = field.description
        parameters.append(parameter)
    return parameters


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        reference = schema.get("$ref", "")
        if reference.startswith("#/$defs/"):
            return _inlined(definitions[reference.removeprefix("#/$defs/")], definitions)
        return {key: _inlined(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    return schema
