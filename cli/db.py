"""`remit db ...`: the database schema."""

from __future__ import annotations

import typer

from cli.common import load_settings, opening_database

app = typer.Typer(no_args_is_help=True, help="Database schema.")


@app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database (REMIT_DATABASE_URL) to the latest schema."""
    from ledger.migrate import current, upgrade

    url = load_settings().database_url
    with opening_database(url):
        upgrade(url)
        revision = current(url)
    print(f"database at revision {revision}")
