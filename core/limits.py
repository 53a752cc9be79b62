"""Safety limits for untrusted bank files. Everything read from outside has a bound."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import LimitExceeded


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Bounds on the work one file may cause. The defaults keep the worst file of 64 MiB (the
    upload limit) under ~256 MB of memory and ~10 s of CPU while parsing (see
    tests/ingest/test_hostile_limits.py) and are far above what real bank files need."""

    max_file_bytes: int = 2 * 1024**3  # 2 GiB: banks split camt.053 above ~250-700 MB
    max_xml_depth: int = 64  # camt nests ~15 deep; 64 is generous and stops depth bombs
    max_text_bytes: int = 64 * 1024  # no camt/OFX element text is legitimately this long
    max_line_bytes: int = 64 * 1024  # flat formats (ACH 94, BAI2 ~80-1000)
    max_lines: int = 50_000_000
    # Entries of one file (all statements): a nightly file of 100k payments fits three times.
    max_entries: int = 300_000
    # Statements (camt Stmt/Ntfctn/Rpt, BAI2 accounts, ACH batches, lockboxes) of one file.
    max_statements: int = 50_000
    # What one entry holds in memory at once: transactions and their remittance lines,
    # references and invoices (camt); addenda (ACH: NACHA's own maximum is 9,999 per entry);
    # overflow records (lockbox); 88 continuation records (BAI2).
    max_entry_items: int = 100_000
    # Bytes of the file one camt entry may span (a collective booking with full details).
    max_entry_bytes: int = 128 * 1024**2
    # Warnings kept per file; the rest are counted in one last warning.
    max_warnings: int = 1_000
    # OFX is read whole (its statement balance follows the transactions): its own, smaller
    # bound on decoded size. Real OFX downloads are a few hundred KB.
    max_ofx_bytes: int = 8 * 1024**2
    # Elements of an OFX file: its transactions are scanned flat (ingest/ofx/scanner.py), only
    # the rest becomes a tree (itself capped at 100,000); a million is ~110,000 transactions.
    max_ofx_elements: int = 1_000_000
    # Elements (tags) held at once while reading XML (camt) or in memory at all (OFX).
    max_elements: int = 250_000


DEFAULT_LIMITS = ParseLimits()


# The flat formats (ACH, BAI2, lockbox) read lines: the same two bounds, said the same way.


def check_line_count(number: int, limits: ParseLimits) -> None:
    if number > limits.max_lines:
        raise LimitExceeded(
            f"file has more than the limit of {limits.max_lines} lines",
            line=number,
            field="line count",
            value=str(number),
        )


def line_too_long(number: int, value: str, limits: ParseLimits) -> LimitExceeded:
    """The error for a line over the limit; `value` shows its start or its length."""
    return LimitExceeded(
        f"line is longer than the limit of {limits.max_line_bytes} bytes",
        line=number,
        field="line length",
        value=value,
    )


def too_many(what: str, count: int, limit: int, *, line: int | None = None,
             record: str | None = None) -> LimitExceeded:
    """The error for a count over its limit, said the same way by every parser."""
    return LimitExceeded(
        f"more than the limit of {limit} {what}",
        line=line,
        record=record,
        field=what,
        value=str(count),
    )
