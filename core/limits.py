"""Safety limits for untrusted bank files. Everything read from outside has a bound."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import LimitExceeded


@dataclass(frozen=True, slots=True)
class ParseLimits:
    max_file_bytes: int = 2 * 1024**3  # 2 GiB: banks split camt.053 above ~250-700 MB
    max_xml_depth: int = 64  # camt nests ~15 deep; 64 is generous and stops depth bombs
    max_text_bytes: int = 64 * 1024  # no camt/OFX element text is legitimately this long
    max_line_bytes: int = 64 * 1024  # flat formats (ACH 94, BAI2 ~80-1000)
    max_lines: int = 50_000_000


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
