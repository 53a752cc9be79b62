"""OFX files whose declared encoding is not the one they are written in (issue 13).

The bytes decide (byte-order mark, UTF-16's NUL bytes, a strict UTF-8 trial); the declaration
only picks among single-byte readings; a warning names what was declared and what was used.
"""

from __future__ import annotations

import pytest

from core.records import Format
from ingest import ofx
from tests.parsers.test_ofx import (
    SGML_HEADER,
    messages,
    parse,
    rejection,
    sgml,
    stmttrn,
    xml,
    xml_stmttrn,
)

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated method findAll")

MEMO = "Caf\u00e9 \u20ac 5 \u00c4rger"
DECLARED_1252 = "ENCODING:USASCII CHARSET:1252"


def sgml_text(header: str = SGML_HEADER) -> str:
    return sgml(stmttrn("1.00", extra=f"<MEMO>{MEMO}\n"), header=header)


def memo(data: bytes) -> tuple[str, list[str]]:
    parsed = parse(data)
    (entry,) = parsed.entries()
    return entry.transactions[0].remittance[0], messages(parsed)


@pytest.mark.parametrize("codec,bom,name,found", [
    ("utf-16-le", b"\xff\xfe", "UTF-16LE", "the file starts with a UTF-16LE byte-order mark"),
    ("utf-16-be", b"\xfe\xff", "UTF-16BE", "the file starts with a UTF-16BE byte-order mark"),
    ("utf-16-le", b"", "UTF-16LE", "its NUL bytes are those of UTF-16LE"),
    ("utf-16-be", b"", "UTF-16BE", "its NUL bytes are those of UTF-16BE"),
])
def test_utf16_declared_as_ascii(codec: str, bom: bytes, name: str, found: str) -> None:
    data = bom + sgml_text().encode(codec)
    assert ofx.detect(data[:4096]) is Format.OFX
    assert memo(data) == (MEMO, [
        f"field encoding = '{DECLARED_1252}': the OFX header declares {DECLARED_1252} "
        f"but {found}: read as {name}"
    ])


def test_utf16_xml_declared_utf16_is_no_warning() -> None:
    text = xml(xml_stmttrn("-1.00", extra=f"<MEMO>{MEMO}</MEMO>"))
    data = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert memo(data) == (MEMO, [])


@pytest.mark.parametrize("charset", ["1252", "ISO-8859-1", "8859-1"])
def test_utf8_body_under_a_single_byte_charset(charset: str) -> None:
    header = SGML_HEADER.replace("CHARSET:1252", f"CHARSET:{charset}")
    declared = f"ENCODING:USASCII CHARSET:{charset}"
    assert memo(sgml_text(header).encode("utf-8")) == (MEMO, [
        f"field encoding = '{declared}': the OFX header declares {declared} but the bytes are "
        "UTF-8: read as UTF-8"
    ])


def test_windows_1252_body_as_declared_is_no_warning() -> None:
    assert memo(sgml_text().encode("cp1252")) == (MEMO, [])


def test_utf8_bom_before_the_sgml_header() -> None:
    data = b"\xef\xbb\xbf" + sgml_text().encode("utf-8")
    assert ofx.detect(data[:4096]) is Format.OFX
    assert memo(data) == (MEMO, [
        f"field encoding = '{DECLARED_1252}': the OFX header declares {DECLARED_1252} but the "
        "file starts with a UTF-8 byte-order mark: read as UTF-8"
    ])


def test_utf8_bom_before_the_xml_declaration() -> None:
    text = xml(xml_stmttrn("-1.00", extra=f"<MEMO>{MEMO}</MEMO>"))
    assert memo(b"\xef\xbb\xbf" + text.encode("utf-8")) == (MEMO, [])
    latin = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    assert memo(b"\xef\xbb\xbf" + latin.encode("utf-8"))[1] == [
        "field encoding = 'ISO-8859-1': the XML declaration declares ISO-8859-1 but the file "
        "starts with a UTF-8 byte-order mark: read as UTF-8"
    ]


@pytest.mark.parametrize("declared,codec,warning", [
    ("ISO-8859-1", "utf-8", "the bytes are UTF-8: read as UTF-8"),
    ("windows-1252", "utf-8", "the bytes are UTF-8: read as UTF-8"),
    ("UTF-8", "cp1252", "the bytes are not UTF-8 (0xE9 on line 9): read as windows-1252"),
])
def test_xml_declaring_one_encoding_and_using_another(
    declared: str, codec: str, warning: str
) -> None:
    text = xml(xml_stmttrn("-1.00", extra=f"<MEMO>{MEMO}</MEMO>"))
    data = text.replace('encoding="UTF-8"', f'encoding="{declared}"').encode(codec)
    assert memo(data) == (MEMO, [
        f"field encoding = '{declared}': the XML declaration declares {declared} but {warning}"
    ])


def test_nothing_declared_and_not_utf8() -> None:
    data = sgml_text(header="").encode("cp1252")
    assert memo(data) == (MEMO, [
        "field encoding: no encoding declared and the bytes are not UTF-8 (0xE9 on line 10): "
        "read as windows-1252"
    ])


def test_bytes_windows_1252_leaves_undefined_are_binary() -> None:
    data = sgml_text().encode("cp1252").replace(b"Caf", b"C\x81f")
    assert "control character U+0081; not an OFX text file" in str(rejection(data))


def test_declared_other_charset_valid_in_it_is_used() -> None:
    header = SGML_HEADER.replace("CHARSET:1252", "CHARSET:1251")
    text = sgml(stmttrn("1.00", extra="<MEMO>\u041e\u043f\u043b\u0430\u0442\u0430\n"),
                header=header)
    assert memo(text.encode("cp1251")) == ("\u041e\u043f\u043b\u0430\u0442\u0430", [])
    # ...and the same text in UTF-8 under that header is UTF-8
    assert memo(text.encode("utf-8"))[0] == "\u041e\u043f\u043b\u0430\u0442\u0430"


def test_broken_utf16_is_refused_naming_the_byte() -> None:
    data = b"\xff\xfe" + sgml_text().encode("utf-16-le")[:-1]  # odd length
    error = rejection(data)
    assert error.field == "encoding" and "not valid UTF-16LE" in str(error)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
def test_real_file_in_utf16_reads_as_the_original(codec: str) -> None:
    # ofxparse's checking.ofx (MIT, fixtures/samples/ofx) declares ENCODING:USASCII/CHARSET:1252.
    from tests.support import SAMPLES

    data = (SAMPLES / "ofx" / "ofxparse-checking.ofx").read_bytes()
    original = parse(data)
    converted = parse(data.decode("ascii").encode(codec))
    assert list(converted.entries()) == list(original.entries())
    assert converted.statements == original.statements
    assert [w.field for w in converted.warnings] == ["encoding"]
    assert "USASCII" in str(converted.warnings[0])
