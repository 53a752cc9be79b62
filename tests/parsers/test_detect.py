"""Format detection from content alone, across every sample of every format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.errors import ParseError
from core.records import Format
from ingest.formats import HEAD_BYTES, detect_format
from tests.support import SAMPLES, shared_samples

FOLDER_FORMAT = {"ach": Format.ACH, "bai2": Format.BAI2, "lockbox": Format.LOCKBOX, "ofx": Format.OFX,
                 "pain002": Format.PAIN002}
# Samples that are not valid files of their folder's format: rejected by detection.
NOT_DETECTED = {"moov-sample-parseError.txt"}


def _expected(path: Path) -> Format:
    folder = path.parent.parent.name if path.parent.name == "samples" else path.parent.name
    if folder in ("iso20022", "camt"):
        return Format(re.search(r"camt05[234]", path.name).group(0).replace("camt", "camt."))  # type: ignore[union-attr]
    if folder == "advice":  # remittance advices: X12 820 and CSV
        return Format.ADVICE_CSV if path.suffix == ".csv" else Format.X12_820
    return FOLDER_FORMAT[folder]


def _all_samples() -> list[Path]:
    shared = [p for f in ("iso20022", "ach", "bai2", "lockbox", "ofx") for p in shared_samples(f)]
    fixtures = [p for p in SAMPLES.rglob("*") if p.is_file() and not p.name.endswith((".json", ".md"))]
    return shared + fixtures


@pytest.mark.parametrize("path", _all_samples(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_is_detected_as_its_format_from_content(path: Path, tmp_path: Path) -> None:
    head = path.read_bytes()[:HEAD_BYTES]
    if path.name in NOT_DETECTED:
        with pytest.raises(ParseError, match="not a recognised bank file"):
            detect_format(head)
        return
    assert detect_format(head) is _expected(path)


@pytest.mark.parametrize("head", [b"", b"hello", b"%PDF-1.7\n", b"PK\x03\x04zip", b"<html><body>", b"<?xml version='1.0'?><Invoice/>"])
def test_other_content_is_not_a_bank_file(head: bytes) -> None:
    with pytest.raises(ParseError, match="not a recognised bank file"):
        detect_format(head)
