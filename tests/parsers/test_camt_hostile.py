"""camt parser against hostile and broken input: every case is a ParseError, fast, small.

Entity bombs, XXE (local file and network), external DTDs, depth bombs, huge text nodes and
attributes, truncation, wrong or undeclared encodings, binary junk and empty files. Each must
raise ParseError (LimitExceeded for limits) with a clear message, within 2 s, without touching
the network or the file system, and in bounded memory (checked in a child process under an
address-space limit). The CLI must reject them with exit code 2 and the reason on stderr.
"""

from __future__ import annotations

import io
import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import LimitExceeded, ParseError
from core.limits import ParseLimits
from core.records import Format, collect
from iso20022 import camt
from tests.support import ROOT

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<Document xmlns="{NS}">\n'
    "<BkToCstmrStmt>\n"
    "<GrpHdr><MsgId>M</MsgId><CreDtTm>2025-01-02T06:00:00</CreDtTm></GrpHdr>\n"
    "<Stmt><Id>S-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>\n"
)
TAIL = "</Stmt>\n</BkToCstmrStmt>\n</Document>\n"
NTRY = '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>{}</Ntry>\n'
VALID = (HEAD + NTRY.format("") + TAIL).encode()


def doc(inner: str = "", *, before: str = "", between: str = "") -> bytes:
    """A camt.053 with two entries; `inner` inside the first, `between` after it."""
    return (HEAD + before + NTRY.format(inner) + between + NTRY.format("") + TAIL).encode()


def parse(data: bytes, limits: ParseLimits | None = None):
    kwargs = {} if limits is None else {"limits": limits}
    return collect(Format.CAMT053, camt.iter_records(io.BytesIO(data), **kwargs))


def rejected(data: bytes, limits: ParseLimits | None = None) -> ParseError:
    """The ParseError for `data`, which must come within 2 seconds."""
    started = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse(data, limits)
    assert time.perf_counter() - started < 2.0
    return caught.value


@pytest.fixture
def listener():
    """A TCP port that records whether anything connected to it (nothing may)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    port = server.getsockname()[1]

    def connected() -> bool:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    yield port, connected
    server.close()


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10))
    + f']>\n<Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>\n'
).encode()

XXE_FILE = (
    '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    f'<Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>\n'
).encode()


def test_billion_laughs() -> None:
    error = rejected(BILLION_LAUGHS)
    assert "DOCTYPE/DTD or entity declarations are not allowed" in str(error)
    assert error.line == 2 and error.field == "DOCTYPE"


def test_xxe_local_file_is_never_read() -> None:
    error = rejected(XXE_FILE)
    assert "DOCTYPE" in str(error) and "root:" not in str(error)


def test_xxe_and_external_dtd_over_the_network_are_never_fetched(listener) -> None:
    port, connected = listener
    url = f"http://127.0.0.1:{port}/x"
    cases = [
        f'<!DOCTYPE d [<!ENTITY xxe SYSTEM "{url}">]><Document xmlns="{NS}"><BkToCstmrStmt>&xxe;</BkToCstmrStmt></Document>',
        f'<!DOCTYPE Document SYSTEM "{url}.dtd"><Document xmlns="{NS}"><BkToCstmrStmt/></Document>',
        f'<!DOCTYPE Document PUBLIC "-//X//Y" "{url}.dtd"><Document xmlns="{NS}"><BkToCstmrStmt/></Document>',
        f'<!DOCTYPE d [<!ENTITY % p SYSTEM "{url}.ent"> %p;]><Document xmlns="{NS}"><BkToCstmrStmt/></Document>',
    ]
    for case in cases:
        error = rejected(('<?xml version="1.0"?>\n' + case).encode())
        assert error.field == "DOCTYPE"
    assert not connected()


def test_doctype_after_a_long_prolog_is_still_rejected(listener) -> None:
    # The prolog outgrows the first chunk the reader inspects; the parser's own check applies.
    port, connected = listener
    comment = "<!--" + "x" * 40_000 + "-->\n"
    data = (
        f'<?xml version="1.0"?>\n{comment}<!DOCTYPE d [<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/">]>\n'
        f'<Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>'
    ).encode()
    error = rejected(data)
    assert error.field == "DOCTYPE" and "are not allowed in a bank file" in str(error)
    assert not connected()


def test_undeclared_entity_is_rejected() -> None:
    error = rejected(doc("<AddtlNtryInf>&nbsp;</AddtlNtryInf>"))
    assert error.line == 6 and "Entity 'nbsp' not defined" in str(error)


def test_xinclude_and_stylesheets_are_not_processed(listener) -> None:
    port, connected = listener
    inner = (
        '<AddtlNtryInf>x<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd" parse="text"/>'
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="http://127.0.0.1:{port}/"/></AddtlNtryInf>'
    )
    data = doc(inner).replace(b"?>\n", f'?>\n<?xml-stylesheet href="http://127.0.0.1:{port}/s.xsl"?>\n'.encode(), 1)
    parsed = parse(data)
    assert "root:" not in json.dumps([e.additional_info for e in parsed.entries()])
    assert not connected()


def test_ten_thousand_deep_nesting() -> None:
    error = rejected(doc("<X>" * 10_000 + "</X>" * 10_000))
    assert isinstance(error, LimitExceeded) and "nested" in str(error)


@pytest.mark.parametrize(
    "where", ["inner", "between", "before"], ids=["inside-entry", "between-entries", "statement-header"]
)
def test_nesting_beyond_the_depth_limit(where: str) -> None:
    deep = "<X>" * 100 + "</X>" * 100  # under libxml2's own 256, over our 64
    error = rejected(doc(**{where: deep}))
    assert isinstance(error, LimitExceeded)
    assert "deeper than the limit of 64 levels" in str(error) and error.field == "depth"


def test_nesting_outside_the_statement() -> None:
    second = b"<Stmt><Id>S-2</Id></Stmt></BkToCstmrStmt>"
    data = VALID.replace(b"</GrpHdr>", b"<X>" * 80 + b"</X>" * 80 + b"</GrpHdr>")
    assert isinstance(rejected(data.replace(b"</BkToCstmrStmt>", second)), LimitExceeded)
    data = VALID.replace(b"</BkToCstmrStmt>", b"<X>" * 80 + b"</X>" * 80 + b"</BkToCstmrStmt>")
    assert isinstance(rejected(data), LimitExceeded)
    data = VALID.replace(b"</Document>", b"<X>" * 80 + b"</X>" * 80 + b"</Document>")
    assert isinstance(rejected(data), LimitExceeded)


def test_configured_depth_limit() -> None:
    parse(VALID, ParseLimits(max_xml_depth=9))  # Document/BkToCstmrStmt/Stmt/Ntry/Sts/Cd = 6
    error = rejected(VALID, ParseLimits(max_xml_depth=5))
    assert isinstance(error, LimitExceeded) and "limit of 5 levels" in str(error)


@pytest.mark.parametrize("element", ["AddtlNtryInf", "Foo"], ids=["read", "ignored"])
def test_huge_text_node(element: str) -> None:
    error = rejected(doc(f"<{element}>" + "a" * (10 * 1024 * 1024) + f"</{element}>"))
    assert isinstance(error, LimitExceeded)
    assert "text longer than the limit of 65536 bytes" in str(error) and error.line == 6


def test_huge_attribute_value() -> None:
    error = rejected(doc(f'<Foo a="{"b" * 200_000}"/>'))
    assert isinstance(error, LimitExceeded) and error.field == "text"


def test_junk_elements_the_parser_never_reports_cannot_fill_memory() -> None:
    limits = ParseLimits(max_elements=50_000)
    parse(doc(between="<J/>" * 40_000), limits)  # under the cap: parsed, and freed with the entries
    for data in (
        doc(between="<J/>" * 60_000),  # between entries
        doc("<J/>" * 60_000),  # inside an entry
        VALID.replace(b"</GrpHdr>", b"<J/>" * 60_000 + b"</GrpHdr>"),  # in the group header
    ):
        error = rejected(data, limits)
        assert isinstance(error, LimitExceeded) and error.field == "elements"
        assert "more than 50000 elements held at once" in str(error)
    many = "".join(NTRY.format("<AddtlNtryInf>x</AddtlNtryInf>") for _ in range(5_000))
    parse(doc(between=many), limits)  # 60,000+ tags in all, but released entry by entry


def test_configured_text_limit() -> None:
    data = doc("<AddtlNtryInf>" + "x" * 500 + "</AddtlNtryInf>")
    parse(data)
    assert isinstance(rejected(data, ParseLimits(max_text_bytes=200)), LimitExceeded)


def test_configured_file_size_limit() -> None:
    data = doc("".join(NTRY.format("") for _ in range(200)))
    error = rejected(data, ParseLimits(max_file_bytes=4096))
    assert isinstance(error, LimitExceeded) and "larger than the limit of 4096 bytes" in str(error)


@pytest.mark.parametrize("cut", [1, 10, 60, 150, 300, len(VALID) // 2, len(VALID) - 30, len(VALID) - 2])
def test_truncated_file(cut: int) -> None:
    error = rejected(VALID[:cut])
    assert "not well-formed XML" in str(error) or "not valid" in str(error) or "no XML" in str(error)
    assert error.line is not None


def test_declared_utf8_with_latin1_bytes_is_read_with_a_warning_naming_the_line() -> None:
    """Deliberate change (issue 13): this used to be refused. The encoding declaration lies
    (a Latin-1 export labelled UTF-8): the amounts are ASCII and the day's cash should be
    read, so the bytes are read as Windows-1252 and one warning names the first line."""
    data = doc().replace(b"<Sts>", b"<AddtlNtryInf>Caf\xe9</AddtlNtryInf><Sts>", 1)
    parsed = parse(data)
    assert next(parsed.entries()).additional_info == "Café"
    (warning,) = [w for w in parsed.warnings if w.field == "encoding"]
    assert warning.line == 6 and warning.value == "UTF-8 b'\\xe9</A'"
    assert "declares UTF-8" in warning.message and "not UTF-8: read them as Windows-1252" in warning.message


def test_undeclared_encoding_defaults_to_utf8() -> None:
    data = doc().replace(b' encoding="UTF-8"', b"").replace(b"<Sts>", b"<AddtlNtryInf>\xfc</AddtlNtryInf><Sts>", 1)
    parsed = parse(data)
    assert next(parsed.entries()).additional_info == "ü"
    (warning,) = [w for w in parsed.warnings if w.field == "encoding"]
    assert warning.line == 6 and "declares no encoding, which means UTF-8" in warning.message


def test_declared_latin1_is_read_as_latin1() -> None:
    data = doc().replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    data = data.replace(b"<Sts>", b"<AddtlNtryInf>Caf\xe9 Stra\xdfe</AddtlNtryInf><Sts>", 1)
    entry = next(parse(data).entries())
    assert entry.additional_info == "Café Straße"


def test_unknown_declared_encoding() -> None:
    error = rejected(doc().replace(b'encoding="UTF-8"', b'encoding="x-no-such-charset"'))
    assert "x-no-such-charset" in str(error)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n\t  ",
        b"\x00" * 64,
        bytes(range(256)) * 4,
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200),
        b"PK\x03\x04\x14\x00\x06\x00" + bytes(100),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"<",
        b"<Document",
        b"<?xml version='1.0'?>",
        VALID.replace(b"<Sts>", b"<Sts>\x01", 1),
        VALID.replace(b"</Ntry>", b"</Ntr>", 1),
        VALID + b"<Document/>",
    ],
    ids=["empty", "blank", "nul", "all-bytes", "jpeg", "zip", "pdf", "lt", "open-tag", "decl-only",
         "control-char", "mismatched-tag", "two-roots"],  # fmt: skip
)
def test_junk_and_broken_xml(data: bytes) -> None:
    error = rejected(data)
    assert str(error)
    if not data:
        assert str(error) == "line 1, field content: the file is empty"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048))
def test_random_bytes_only_ever_raise_parse_error(data: bytes) -> None:
    try:
        parse(data)
    except ParseError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(0, len(VALID)), at=st.integers(0, len(VALID) - 1), byte=st.integers(0, 255))
def test_damaged_documents_only_ever_raise_parse_error(cut: int, at: int, byte: int) -> None:
    damaged = bytearray(VALID)
    damaged[at] = byte
    for data in (bytes(damaged), VALID[:cut]):
        try:
            parse(data)
        except ParseError:
            pass


# ---------------------------------------------------------------------------------------------
# Bounded memory: a child process under an address-space limit parses the worst cases.

_CHILD = """
import io, json, sys
from iso20022 import camt
from core.errors import ParseError
results = {}
for path in sys.argv[1:]:
    try:
        with open(path, "rb") as source:
            for _ in camt.iter_records(source):
                pass
        results[path] = "parsed"
    except ParseError as error:
        results[path] = type(error).__name__ + ": " + str(error)[:120]
# VmHWM is this program's peak; ru_maxrss would include the parent's RSS at fork time.
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        results["peak_rss_kb"] = int(line.split()[1])
print(json.dumps(results))
"""
_ADDRESS_SPACE = 384 * 1024 * 1024


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_ADDRESS_SPACE, _ADDRESS_SPACE))


def _run_limited(paths: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=_limit_address_space,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout)
    return {Path(p).name if p in paths else p: v for p, v in results.items()}


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and /proc are Linux")
def test_hostile_files_parse_in_bounded_memory(tmp_path: Path) -> None:
    cases = {
        "huge-text.xml": doc("<AddtlNtryInf>" + "a" * (10 * 1024 * 1024) + "</AddtlNtryInf>"),
        "huge-unread-text.xml": doc("<Foo>" + "a" * (40 * 1024 * 1024) + "</Foo>"),
        "deep.xml": doc("<X>" * 10_000 + "</X>" * 10_000),
        "deep-100.xml": doc(between="<X>" * 100 + "</X>" * 100),
        "laughs.xml": BILLION_LAUGHS,
    }
    paths = []
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    started = time.perf_counter()
    outcome = _run_limited(paths)
    assert outcome["huge-text.xml"].startswith("LimitExceeded: line 6, field text")
    assert outcome["huge-unread-text.xml"].startswith("LimitExceeded")
    assert outcome["deep.xml"].startswith("LimitExceeded") and "nested" in outcome["deep.xml"]
    assert outcome["deep-100.xml"].startswith("LimitExceeded")
    assert outcome["laughs.xml"].startswith("ParseError") and "DOCTYPE" in outcome["laughs.xml"]
    # Nothing of these 50 MB is held: the process stays near its start-up size (~20 MB).
    assert outcome["peak_rss_kb"] < 64 * 1024, outcome["peak_rss_kb"]
    assert time.perf_counter() - started < 15


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and /proc are Linux")
def test_a_flood_of_junk_elements_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "flood.xml"
    path.write_bytes(doc(between="<J/>" * 5_000_000))  # 20 MB of empty elements, ~650 MB as a tree
    outcome = _run_limited([str(path)])
    assert outcome["flood.xml"].startswith("LimitExceeded") and "field elements" in outcome["flood.xml"]
    assert outcome["peak_rss_kb"] < 200 * 1024, outcome["peak_rss_kb"]


# ---------------------------------------------------------------------------------------------
# The CLI rejects them: exit code 2, the reason on stderr


def _remit() -> list[str]:
    script = Path(sys.executable).with_name("remit")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cli.main import main; main()"]


def test_cli_rejects_hostile_files(tmp_path: Path) -> None:
    cases = {
        "xxe.xml": (XXE_FILE, "DOCTYPE/DTD or entity declarations are not allowed"),
        "laughs.xml": (BILLION_LAUGHS, "line 2, field DOCTYPE"),
        "truncated.xml": (VALID[: len(VALID) // 2], "not well-formed XML"),
        "deep.xml": (doc("<X>" * 10_000 + "</X>" * 10_000), "nested too deeply"),
        "bad-amount.xml": (VALID.replace(b">1.00<", b">1,00<"), "record Stmt 1 / Ntry 1, field Ntry/Amt = '1,00': not a decimal amount"),
    }  # fmt: skip
    running = {}
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for name, (data, _) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        running[name] = subprocess.Popen(
            [*_remit(), "parse", str(path), "--format", "camt.053"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
    for name, proc in running.items():
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 2, (name, out, err)
        assert err.startswith(f"remit: rejected: {name}, "), (name, err)
        assert cases[name][1] in err, (name, err)
        assert out == ""


def test_cli_detects_and_parses_a_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "ok.xml"
    path.write_bytes(VALID)
    proc = subprocess.run([*_remit(), "parse", str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["format"] == "camt.053" and out["statements"][0]["entries"][0]["amount"] == "1.00"
