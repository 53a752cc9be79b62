"""What a person sees when a `remit` command cannot do its work: one line naming the problem
(never a traceback or program source), a non-zero exit, and help texts that stand alone."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from cli.main import app, main

REMIT = [sys.executable, "-m", "cli"]
# Nothing listens on port 1: the connection is refused at once.
UNREACHABLE = "postgresql://remit:s3cret-pw@127.0.0.1:1/remit"
SHOWN = "postgresql://remit:***@127.0.0.1:1/remit"


def _commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


LEAVES = [path for path, command in _commands() if not hasattr(command, "commands")]

# What each command needs on its command line to get as far as its database ({file}: an
# existing file; {book}, {policies}: valid ones, read before the database is opened). A
# command added without an entry here fails the test below.
ARGS: dict[str, list[str]] = {
    "ingest": ["{file}"], "serve": [], "worker": [], "match": [], "applications": [],
    "exceptions": [], "apply": ["1", "INV-1=1.00"], "dismiss": ["1", "--reason", "x"],
    "unapply": ["1", "--reason", "x"], "metrics": [], "files reprocess": ["1"],
    "files checks": [], "files close-check": ["1", "--note", "x"], "nocs apply": ["1"],
    "nocs reject": ["1", "--note", "x"], "db upgrade": [],
    "apikey create": ["erp", "--scope", "ar:read"], "apikey revoke": ["1"],
    "invoices import": ["{book}"], "sftp poll": ["bank"], "sftp send": [], "sftp outgoing": [],
    "sftp queue": ["f.xml", "--connection", "bank"],
    "webhooks deliver": [],
    "disputes open": ["INV-1", "--reason", "damaged", "--amount", "1.00"],
    "disputes resolve": ["1", "--resolution", "rebill"], "disputes list": [], "fees run": [],
    "fees list": [], "dunning customer": ["C1"], "dunning segments": [],
    "dunning policy set": ["standard", "--step", "0:email:reminder"],
    "dunning policy import": ["{policies}"], "dunning policy list": [], "reminders run": [],
    "reminders list": [], "reminders done": ["1"],
    "plans create": ["--customer", "C1", "--invoice", "INV-1", "--instalments", "2",
                     "--first-due", "2027-01-15"],
    "plans list": [], "plans show": ["1"], "plans cancel": ["1"], "plans run": [],
    "users create": ["ana@example.com", "--role", "reviewer"], "users list": [],
    "users set-role": ["ana@example.com", "admin"], "users disable": ["ana@example.com"],
    "users reset-password": ["ana@example.com"], "customers import": ["{customers}"],
    "reminders resend": ["1"], "mandates import": ["{mandates}"],
    "collect": ["--as-of", "2026-12-01", "--out", "out"], "advices show": ["1"],
}
# `remit parse` opens no database (bytes in, JSON out); `remit demo` makes its own SQLite file.
NO_DATABASE_URL = {"parse", "demo"}


def test_every_command_is_checked() -> None:
    assert {("ingest",), ("serve",), ("apply",), ("invoices", "import"), ("db", "upgrade"),
            ("plans", "list")} <= set(LEAVES)
    assert {" ".join(p) for p in LEAVES} - NO_DATABASE_URL == set(ARGS)


@pytest.mark.parametrize("command", sorted(ARGS))
def test_an_unreachable_database_is_one_line_naming_it(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing a command writes lands in the checkout
    files = {
        "{file}": "x\n",
        "{book}": "invoice_number,customer_id,customer_name,currency,amount,issue_date\n"
                  "INV-1,C1,Acme GmbH,EUR,10.00,2026-10-01\n",
        "{policies}": "policies = []\n",
        "{customers}": "customer_id,name,email\nC1,Acme GmbH,ap@acme.example\n",
        "{mandates}": "mandate_id,customer_id,scheme,account,signed_on\n"
                      "M1,C1,sepa,DE89370400440532013000,2026-01-01\n",
    }
    for name, text in files.items():
        (tmp_path / name.strip("{}")).write_text(text)
    args = [*command.split(), *(str(tmp_path / a.strip("{}")) if a in files else a
                                for a in ARGS[command])]
    result = CliRunner().invoke(app, args, env={"REMIT_DATABASE_URL": UNREACHABLE,
                                                "REMIT_ARCHIVE_DIR": str(tmp_path / "a")})
    assert result.exit_code == 1, (args, result.output, result.exception)
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"remit: cannot open the database {SHOWN}: "), line
    assert "refused" in line  # what the driver said, first line only
    assert "s3cret-pw" not in result.output and "Traceback" not in result.output


def test_an_unwritable_sqlite_file_is_named_too(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path}/no/such/dir/remit.db"
    result = CliRunner().invoke(app, ["exceptions", "--json"], env={"REMIT_DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.stderr == f"remit: cannot open the database {url}: unable to open database file\n"
    demo = CliRunner().invoke(app, ["demo", "--database", str(tmp_path / "no" / "demo.db")])
    assert demo.exit_code == 1 and "cannot open the database sqlite:///" in demo.stderr


@pytest.mark.parametrize(("url", "shown"), [
    ("nosuchdb://u:pw@h/db",
     "nosuchdb://u:***@h/db: Can't load plugin: sqlalchemy.dialects:nosuchdb"),
    ("nonsense", "(not a URL): Could not parse SQLAlchemy URL from given URL string"),
])
def test_a_url_no_driver_reads_is_named_too(url: str, shown: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["exceptions"], env={"REMIT_DATABASE_URL": url})
    assert result.exit_code == 1 and "pw" not in result.stderr
    assert result.stderr == f"remit: cannot open the database {shown}\n"


def test_the_installed_command_says_it_in_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "REMIT_DATABASE_URL": UNREACHABLE}
    proc = subprocess.run([*REMIT, "applications", "--json"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"remit: cannot open the database {SHOWN}: ")


def _boom(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom: something nobody foresaw\n  with a second line")


def test_an_unexpected_error_is_one_line_without_debug(monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setattr("ledger.migrate.upgrade", _boom)
    monkeypatch.setenv("REMIT_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.delenv("REMIT_DEBUG", raising=False)
    monkeypatch.setattr(sys, "argv", ["remit", "db", "upgrade"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err == ("remit: unexpected error (RuntimeError): boom: something nobody foresaw "
                   "(--debug shows the traceback)\n")


@pytest.mark.parametrize("how", ["--debug", "REMIT_DEBUG"])
def test_debug_shows_the_traceback_without_local_variables(monkeypatch, tmp_path, how) -> None:
    monkeypatch.setattr("ledger.migrate.upgrade", _boom)
    monkeypatch.setenv("REMIT_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.delenv("REMIT_DEBUG", raising=False)
    argv = ["remit", "db", "upgrade"]
    if how == "--debug":
        argv.insert(1, "--debug")
    else:
        monkeypatch.setenv("REMIT_DEBUG", "1")
    monkeypatch.setattr(sys, "argv", argv)
    try:
        with pytest.raises(RuntimeError, match="boom"):  # left to Typer's traceback hook
            main()
        assert app.pretty_exceptions_enable and not app.pretty_exceptions_show_locals
    finally:
        app.pretty_exceptions_enable = False


def test_a_domain_refusal_nobody_caught_is_a_refusal(monkeypatch, capsys, tmp_path) -> None:
    from core.errors import Conflict

    def refuse(*args: object, **kwargs: object) -> None:
        raise Conflict("the book moved")

    monkeypatch.setattr("ledger.migrate.upgrade", refuse)
    monkeypatch.setenv("REMIT_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.delenv("REMIT_DEBUG", raising=False)
    monkeypatch.setattr(sys, "argv", ["remit", "db", "upgrade"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "remit: the book moved\n"


@pytest.mark.parametrize(
    "path", [path for path, _ in _commands()], ids=lambda p: " ".join(p) or "remit")
def test_help_stands_alone(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    # No pointer to documents a user of the command does not have.
    assert "DESIGN" not in result.output and "§" not in result.output


def test_apply_refuses_an_invoice_named_twice() -> None:
    result = CliRunner().invoke(app, ["apply", "7", "INV-1=10", "INV-2=5", "INV-1=20"])
    assert result.exit_code == 1
    assert result.stderr == ("remit: invoice INV-1 is given twice (INV-1=10 and INV-1=20): "
                             "name each invoice once\n")
    twice = CliRunner().invoke(app, ["apply", "7", "INV-1=10", "--discount", "INV-1=1",
                                     "--discount", "INV-1=2"])
    assert twice.exit_code == 1 and "--discount INV-1 is given twice" in twice.stderr


def test_invoices_import_refuses_a_currency_that_is_not_iso_4217(cli_env, tmp_path) -> None:
    book = tmp_path / "book.csv"
    book.write_text("invoice_number,customer_id,customer_name,currency,amount,issue_date\n"
                    "INV-1,C1,Acme GmbH,EUR,10.00,2026-10-01\n"
                    "INV-2,C1,Acme GmbH,ABC,20.00,2026-10-01\n")
    proc = subprocess.run([*REMIT, "invoices", "import", str(book)], env=cli_env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "1 created" in proc.stdout  # the good row is imported, as for any rejected row
    (error,) = [line for line in proc.stdout.splitlines() if "error:" in line]
    assert "row 3, column currency" in error and "'ABC'" in error and "ISO 4217" in error
    assert "Traceback" not in proc.stderr
