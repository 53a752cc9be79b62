"""GET /healthz (server/app.py): liveness and database reachability, no key needed."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from api.schemas import Shape


class Health(Shape):
    model_config = ConfigDict(
        extra="allow", json_schema_extra={"examples": [{"status": "ok", "database": "ok"}]}
    )

    status: str = Field(description="ok | unavailable")
    database: str = Field(description="ok | unreachable")
