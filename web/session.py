"""The one database session of a request, for api/ and ui/ routes alike (as polar's
get_db_session): the request is one unit of work (workflows.runtime.Runtime.unit_of_work) —
committed when the route returns, rolled back when it raises — so routes never begin or
commit one themselves.

`scope="function"`: the commit happens before the response is sent, so a commit that fails
is a 500 for the caller, never a 200 for changes that were lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from workflows.runtime import Runtime


def request_session(request: Request) -> Iterator[Session]:
    rt: Runtime = request.app.state.runtime
    with rt.unit_of_work() as session:
        yield session


DbSession = Annotated[Session, Depends(request_session, scope="function")]
