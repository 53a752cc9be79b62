"""Response models: what each route answers, described for the OpenAPI document that AR
systems generate their clients from.

The answers themselves are built by the views (reconcile.views, receivables, ...) as plain
JSON data, and they are an interface contract (DESIGN.md §6): a route hands its dict to
FastAPI, which checks and serialises it as `dict[str, Any]`, exactly as before these models
existed. `answer(Model)` is that same type with `Model`'s JSON schema attached, so the
OpenAPI document names the shape while not a byte of any answer changes (a model as the
response_model would re-serialise the answer: coerce types, reorder and add keys). A route
that returns its own JSONResponse (upload, upsert) is answered as built either way.

tests/api/test_response_schemas.py holds the models to the answers: every documented key
present in every answer, no key left undocumented, each of the declared type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetJsonSchemaHandler, TypeAdapter
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema


class Shape(BaseModel):
    """A JSON object a view builds. The schema allows more keys (DESIGN.md: the contract is
    extended freely, so clients ignore keys they do not know), but the contract test refuses
    an undeclared one, so that the document stays complete."""

    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True)
class Describes:
    """Annotated metadata: the JSON schema of `shape` in place of the annotated type's."""

    shape: Any

    def __get_pydantic_json_schema__(
        self, _schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        shape = TypeAdapter(self.shape).core_schema
        if "ref" in shape:
            # A model: referenced by name under components/schemas, as response_model=Model
            # would be, rather than inlined under the route's title.
            ref = core_schema.definition_reference_schema(shape["ref"])
            shape = core_schema.definitions_schema(ref, [shape])
        return handler(shape)


def answer(shape: Any, *, built_as: Any = None) -> Any:
    """The response_model of a route whose answer a view builds: checked and serialised as
    `built_as` (default: dict[str, Any], or list[dict[str, Any]] for a list of models, what
    the routes' annotations always said), described in OpenAPI as `shape`."""
    if built_as is None:
        built_as = list[dict[str, Any]] if get_origin(shape) is list else dict[str, Any]
    return Annotated[built_as, Describes(shape)]


# -- the strings the views write (validators run in the contract test only) --------------------


_AMOUNT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")  # plain decimal text, as core.money writes it
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _amount(text: str) -> str:
    if not _AMOUNT.match(text):
        raise ValueError(f"not a plain decimal string: {text!r}")
    return text


def _day(text: str) -> str:
    if not _DAY.match(text):
        raise ValueError(f"not an ISO 8601 date: {text!r}")
    date.fromisoformat(text)  # a real day
    return text


def _timestamp(text: str) -> str:
    if "T" not in text or datetime.fromisoformat(text).tzinfo is None:
        raise ValueError(f"not an ISO 8601 timestamp with its UTC offset: {text!r}")
    return text


Amount = Annotated[
    str,
    Field(description='a decimal string in the currency\'s units, e.g. "1250.00"'),
    AfterValidator(_amount),
]
Day = Annotated[str, Field(json_schema_extra={"format": "date"}), AfterValidator(_day)]
Timestamp = Annotated[
    str,
    Field(json_schema_extra={"format": "date-time"}, description="ISO 8601, UTC"),
    AfterValidator(_timestamp),
]

Item = TypeVar("Item", bound=BaseModel)


class Page(Shape, Generic[Item]):
    """A page of a list (web.paging): its items, and the cursor of the next page."""

    items: list[Item]
    next: int | None = Field(
        description="the `after` (or `cursor`) of the next page; null on the last page"
    )


def link(path: str, description: str, method: str = "get", **parameters: Any) -> dict[str, Any]:
    """An OpenAPI link from an answer to the operation at `path`, its parameters taken from
    the answer: `link("/api/v1/disputes/{dispute_id}", "The dispute",
    dispute_id="$response.body#/dispute_id")`. Clients (and the stateful schemathesis run)
    follow it from a create to its get."""
    ref = "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
    return {"operationRef": ref, "description": description, "parameters": parameters}


def links(**named: dict[str, Any]) -> dict[str, Any]:
    """`responses={201: links(GetDispute=link(...))}`."""
    return {"links": named}
