"""Direct debits' use cases, each its own transaction: mandates imported, a collection run
written to a folder and kept for sending (`remit mandates import`, `remit collect`;
receivables/mandates.py and receivables/collect.py hold the rules, workflows/sftp_send.py
sends)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from ledger import outgoing
from receivables import collect as collecting
from receivables import mandates
from workflows.runtime import Runtime
from workflows.sftp_send import route


def import_mandates(rt: Runtime, data: bytes, *, file: str, actor: str) -> mandates.MandateImport:
    """Upsert the file's good rows; MandateFileError (nothing imported) when it is unreadable."""
    rows, errors = mandates.parse(data, file)
    with rt.unit_of_work() as session:
        return mandates.import_rows(session, rows, errors, file=file, actor=actor)


def collect(rt: Runtime, *, as_of: date, out: Path, actor: str,
            send: list[str] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Write the run's files into `out` and record its collections, together: the files are
    written as .part first and renamed once the collections are committed (a failure leaves
    neither). Each file is also kept in outgoing_files in that transaction — queued for the
    SFTP connection of `send` that takes its format (`route`), else kept only. The `--json`
    rows and why invoices with a mandate were not collected."""
    send = send or []
    route(rt, send, [])  # unknown names refused before anything is done
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        with rt.unit_of_work() as session:
            run = collecting.collect(session, rt.settings, as_of=as_of, actor=actor)
            routes = route(rt, send, [f.format for f in run.files])
            for f in run.files:
                outgoing.store(session, name=f.name, format=f.format, data=f.data, connection=routes.get(f.format),
                               actor=actor)
                part = out / f"{f.name}.part"
                part.write_bytes(f.data)
                written.append(part)
    except BaseException:
        for part in written:
            part.unlink(missing_ok=True)
        raise
    for part in written:
        os.replace(part, part.with_suffix(""))
    return [{**f.as_json(str(out)), "send": routes.get(f.format)} for f in run.files], run.skipped
