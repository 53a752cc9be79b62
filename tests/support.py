"""Helpers shared by the test suite: the ../shared conformance corpus and golden files."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REMIT_SHARED", ROOT.parent / "shared")).resolve()
FIXTURES = ROOT / "fixtures"
SAMPLES = FIXTURES / "samples"
UPDATE_GOLDEN = os.environ.get("REMIT_UPDATE_GOLDEN") == "1"


def shared_sample(*parts: str) -> Path:
    """A file of the ../shared corpus; skips the test when the corpus is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"conformance corpus not present: {path}")
    return path


def shared_samples(folder: str, pattern: str = "*") -> list[Path]:
    """Sample files in ../shared/<folder>/samples (SOURCES.md excluded); [] when absent."""
    base = SHARED / folder / "samples"
    if not base.is_dir():
        return []
    return sorted(p for p in base.glob(pattern) if p.is_file() and p.name != "SOURCES.md")


def fixture_samples(fmt: str) -> list[Path]:
    """Bank files copied into fixtures/samples/<fmt>/ (each with a .expected.json beside it)."""
    base = SAMPLES / fmt
    return sorted(
        p for p in base.glob("*")
        if p.is_file() and not p.name.endswith(".expected.json") and p.name != "SOURCES.md"
    )


def check_golden(sample: Path, actual: dict) -> None:
    """Compare `actual` with `<sample>.expected.json`; REMIT_UPDATE_GOLDEN=1 rewrites it.

    Regenerating goldens is a deliberate act: review the diff before committing it.
    """
    expected_path = sample.with_name(sample.name + ".expected.json")
    text = json.dumps(actual, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if UPDATE_GOLDEN or not expected_path.exists():
        if not UPDATE_GOLDEN:
            pytest.fail(f"no golden file {expected_path}; run with REMIT_UPDATE_GOLDEN=1 and review it")
        expected_path.write_text(text, encoding="utf-8")
    assert json.loads(expected_path.read_text(encoding="utf-8")) == actual


def dec(text: str) -> Decimal:
    return Decimal(text)
