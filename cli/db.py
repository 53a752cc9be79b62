"""`remit db ...`: the database schema."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Database schema.")


@app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database (REMIT_DATABASE_URL) to the latest schema."""
    from core.settings import get_settings
    from ledger.migrate import current, upgrade

    url = get_settings().database_url
    upgrade(url)
    print(f"database at revision {current(url)}")
