"""Issue 13, "every public file read right or refused with a reason": the held-out corpus.

benchmarks/corpus/manifest.json lists 245 public bank files from projects remit was not
written against (moov-io/ach and bai2, genkgo/camt, viafintech/camt_parser, jseutter/ofxparse,
wesabe/fixofx, ...), each with the figures reading it must give or the refusal it must get;
benchmarks/corpus/run.py checks one. MIT/Apache files are in fixtures/corpus/; GPL/AGPL ones
are read from the download cache (REMIT_CORPUS_CACHE, default ../shared/heldout) and skip
when it is absent.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks.corpus import facts, run

ITEMS = run.manifest()


@pytest.mark.parametrize("item", ITEMS, ids=[item["file"] for item in ITEMS])
def test_every_corpus_file_is_read_right_or_refused_with_its_reason(item: dict) -> None:
    outcome = run.check(item)
    if outcome.verdict == "missing":
        pytest.skip(f"held-out file not present ({item['licence']}): {outcome.detail}")
    assert outcome.ok, f"{outcome.verdict}: {outcome.detail}"
    assert outcome.seconds < run.TIME_LIMIT


def test_the_manifest_is_whole() -> None:
    files = [item["file"] for item in ITEMS]
    assert len(files) == len(set(files)) == 245
    for item in ITEMS:
        assert item["licence"] and item["origin"].startswith("https://github.com/") and item["basis"]
        assert ("read" in item["expect"]) != ("refused" in item["expect"])
        if "refused" in item["expect"]:
            assert item["expect"]["refused"]["because"]
    # only permissively licensed files are copied into the repository
    copied = {p.relative_to(run.FIXTURES).as_posix() for p in run.FIXTURES.glob("*/*")}
    licences = {item["file"]: item["licence"] for item in ITEMS}
    assert copied and all(licences[name] in ("MIT", "Apache-2.0") for name in copied)


def test_a_wrong_reading_is_reported_not_passed() -> None:
    item = next(i for i in ITEMS if i["file"] == "ach/moov-web-credit.ach")
    assert run.check(item).verdict == "read"
    wrong = json.loads(json.dumps(item))
    wrong["expect"]["read"]["credits"] = {"USD": "100.01"}
    outcome = run.check(wrong)
    assert outcome.verdict == "wrong" and "credits" in outcome.detail
    refused = json.loads(json.dumps(item))
    refused["expect"] = {"refused": {"because": "anything"}}
    assert run.check(refused).verdict == "wrong"


def test_a_refusal_for_another_reason_is_reported() -> None:
    item = next(i for i in ITEMS if i["file"] == "ach/moov-invalid-two-micro-deposits.ach")
    assert run.check(item).verdict == "refused"
    other = json.loads(json.dumps(item))
    other["expect"]["refused"]["line"] = 14
    outcome = run.check(other)
    assert outcome.verdict == "wrong" and "line" in outcome.detail


def test_a_hang_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    item = next(i for i in ITEMS if i["file"] == "ach/moov-web-credit.ach")
    monkeypatch.setattr(run, "TIME_LIMIT", 0.2)
    monkeypatch.setattr(run.formats, "parse_path", lambda path: time.sleep(5))
    outcome = run.check(item)
    assert outcome.verdict == "wrong" and "no answer within" in outcome.detail


def test_a_crash_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    item = next(i for i in ITEMS if i["file"] == "ach/moov-web-credit.ach")

    def crash(path: Path) -> None:
        raise IndexError("string index out of range")

    monkeypatch.setattr(run.formats, "parse_path", crash)
    outcome = run.check(item)
    assert outcome.verdict == "wrong" and outcome.detail.startswith("crashed: IndexError")


def test_the_independent_reading_sees_control_totals() -> None:
    """facts.py reads the NACHA file control itself: moov-io shr-credit.ach's says 8.4M of
    credits for 687.16 of entries (the manifest then requires remit to warn)."""
    path = run.FIXTURES / "ach" / "moov-shr-credit.ach"
    drafted = facts.ach(path.read_bytes())
    assert drafted["entries"] == 14 and Decimal(drafted["credits"]) == Decimal("687.16")
    assert drafted["control"] == {"debit": "2564393.81", "credit": "8420463.09"}
