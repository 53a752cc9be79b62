"""Safety limits for untrusted bank files. Everything read from outside has a bound."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParseLimits:
    max_file_bytes: int = 2 * 1024**3  # 2 GiB: banks split camt.053 above ~250-700 MB
    max_xml_depth: int = 64  # camt nests ~15 deep; 64 is generous and stops depth bombs
    max_text_bytes: int = 64 * 1024  # no camt/OFX element text is legitimately this long
    max_line_bytes: int = 64 * 1024  # flat formats (ACH 94, BAI2 ~80-1000)
    max_lines: int = 50_000_000


DEFAULT_LIMITS = ParseLimits()
