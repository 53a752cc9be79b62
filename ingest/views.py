"""Read model of the file registry, shared by the CLI (`remit files`) and the API."""

from __future__ import annotations

from typing import Any

from ledger.models import BankFile


def bank_file_json(f: BankFile) -> dict[str, Any]:
    return {
        "id": f.id,
        "name": f.name,
        "sha256": f.sha256,
        "source": f.source,
        "format": f.format,
        "status": f.status,
        "size_bytes": f.size_bytes,
        "received_at": f.received_at.isoformat(),
        "processed_at": f.processed_at.isoformat() if f.processed_at else None,
        "statements": f.statements,
        "entries_new": f.entries_new,
        "entries_duplicate": f.entries_duplicate,
        "transactions": f.transactions_new,
        "error": f.error,
        "warnings": f.warnings,
    }
