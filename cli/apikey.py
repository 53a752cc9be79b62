"""`remit apikey create|revoke`: API keys for the REST API and the workbench."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import fail, runtime

app = typer.Typer(no_args_is_help=True, help="API keys (stored hashed; shown once).")


@app.command("create")
def apikey_create(
    name: Annotated[str, typer.Argument(help="who or what the key is for")],
    scope: Annotated[list[str], typer.Option("--scope", help="ar:read, ar:write, treasury:review, admin")],
) -> None:
    """Create an API key with the given scopes; the key is printed once, as the last word."""
    from ledger.models import ApiKey, column_length
    from ledger.repositories import api_keys
    from workflows.keys import create_key

    unknown = sorted(set(scope) - set(api_keys.SCOPES))
    if unknown:
        fail(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(api_keys.SCOPES)}", code=1)
    if not 0 < len(name) <= column_length(ApiKey.name) or "\x00" in name:
        fail(f"a key name has 1 to {column_length(ApiKey.name)} characters and no NUL, not {len(name)}")
    key_id, key = create_key(runtime(), name=name, scopes=scope, actor="cli")
    print(f"created API key #{key_id} {name!r} with scopes {', '.join(sorted(set(scope)))}: {key}")


@app.command("revoke")
def apikey_revoke(key_id: Annotated[int, typer.Argument(help="the key's number, as printed by create")]) -> None:
    """Revoke an API key at once; requests with it get 401 from then on."""
    from workflows.keys import revoke_key

    if not revoke_key(runtime(), key_id, actor="cli"):
        fail(f"no active API key #{key_id}", code=1)
    print(f"revoked API key #{key_id}")
