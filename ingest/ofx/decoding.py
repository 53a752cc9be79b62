"""OFX bytes to text (step 1 of the package's docstring): decoded by the byte-order mark, the
OFX 1.x ENCODING/CHARSET header or the XML declaration (UTF-8 when nothing says otherwise),
strictly; control characters are rejected as binary content.
"""

from __future__ import annotations

import codecs
import re

from core.digits import is_ascii_digits, readable
from core.errors import ParseError

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SGML_HEADER = re.compile(r"\s*OFXHEADER\s*:", re.I)

_HEADER_LINE = re.compile(r"^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$", re.M)
_XML_ENCODING = re.compile(r"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([^"']+)["']""", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode(data: bytes) -> tuple[str, list]:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = _strict_decode(data[len(bom) :], encoding, "byte-order mark")
            break
    else:
        encoding, declared_by = _declared_encoding(data)
        text = _strict_decode(data, encoding, declared_by)
    bad = _CONTROL.search(text)
    if bad:
        raise ParseError(
            f"binary content: control character U+{ord(bad.group()):04X}; not an OFX text file",
            line=text.count("\n", 0, bad.start()) + 1,
            field="content",
            value=text[max(0, bad.start() - 20) : bad.start()],
        )
    return text, []


def _declared_encoding(data: bytes) -> tuple[str, str]:
    """(codec, what declared it) from the OFX 1.x header or the XML declaration."""
    head = data[:4096].decode("latin-1")
    if SGML_HEADER.match(head):
        prefix = head.split("<", 1)[0]
        headers = {k.upper(): v.upper() for k, v in _HEADER_LINE.findall(prefix)}
        return _sgml_encoding(headers.get("ENCODING"), headers.get("CHARSET")), "OFX header"
    declaration = _XML_ENCODING.match(head)
    if declaration:
        return _codec(declaration.group(1), "encoding"), "XML declaration"
    return "utf-8", "default"


def _sgml_encoding(encoding: str | None, charset: str | None) -> str:
    if encoding in (None, "UTF-8", "UNICODE"):
        return "utf-8"
    if encoding != "USASCII":
        raise ParseError(
            "unsupported OFX header ENCODING (USASCII or UTF-8 expected)",
            field="ENCODING",
            value=readable(encoding.encode("latin-1", "replace")),
        )
    if charset in (None, "", "NONE", "1252", "8859-1", "ISO-8859-1"):
        # ISO-8859-1 labels mean windows-1252 in practice (as in WHATWG's encoding standard).
        return "cp1252"
    return _codec(f"cp{charset}" if is_ascii_digits(charset) else charset, "CHARSET")


def _codec(name: str, field_name: str) -> str:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a name with a NUL byte in it
        shown = readable(name.encode("latin-1", "replace"))  # the head was read as Latin-1
        raise ParseError("unknown character encoding", field=field_name, value=shown) from None


def _strict_decode(data: bytes, encoding: str, declared_by: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ParseError(
            f"bytes are not valid {encoding} ({declared_by}): wrong encoding or not a text file",
            line=data.count(b"\n", 0, error.start) + 1,
            field="encoding",
            value="0x" + data[error.start : error.end].hex().upper(),
        ) from None
