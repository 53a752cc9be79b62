"""OFX bytes to text (step 1 of the package's docstring).

Banks declare one encoding and write another (issue 13): UTF-16 declared as USASCII, UTF-8
under `ENCODING:USASCII`/`CHARSET:1252` or `CHARSET:ISO-8859-1`, a UTF-8 byte-order mark before
the OFX 1.x header, an XML declaration naming the wrong encoding. So the bytes decide, and the
declaration only chooses among single-byte readings:

1. A byte-order mark (UTF-8, UTF-16 LE/BE) decides; so does UTF-16's pattern of NUL bytes
   without one (every other byte NUL in an ASCII-heavy text).
2. Otherwise, bytes that are all ASCII are read as ASCII; bytes that are valid UTF-8 (with a
   character beyond ASCII) are UTF-8 whatever was declared: text in windows-1252, Latin-1 or
   another single-byte set is practically never valid UTF-8 by accident. Else the declared
   single-byte (or East Asian) encoding if the bytes are valid in it, else windows-1252, which
   reads every byte (the five it leaves undefined become C1 controls, rejected below).
3. Whenever what was used is not what was declared, a warning names both.

Control characters are then rejected as binary content.
"""

from __future__ import annotations

import codecs
import re

from core.digits import is_ascii_digits, readable
from core.errors import ParseError, ParseWarning

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
SGML_HEADER = re.compile(r"\s*OFXHEADER\s*:", re.I)

_HEADER_LINE = re.compile(r"^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$", re.M)
_XML_ENCODING = re.compile(r"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([^"']+)["']""", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# windows-1252 for 0x80-0x9F where it defines a character; 0x81, 0x8D, 0x8F, 0x90 and 0x9D
# stay the C1 controls Latin-1 gives them (as in WHATWG's encoding standard).
_CP1252_HIGH = {
    i: bytes([i]).decode("cp1252")
    for i in range(0x80, 0xA0)
    if i not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_NAMES = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "cp1252": "windows-1252",
}


def decode(data: bytes) -> tuple[str, list[ParseWarning]]:
    """The text of the file, and a warning when the encoding used is not the one declared."""
    encoding, body, found_by = _from_bytes(data)
    head = body[:4096].decode(encoding or "latin-1", "replace")
    declared, label, declared_by = _declared_encoding(head)
    if encoding is None:
        text, encoding, found_by = _single_byte(body, declared)
    else:
        text, encoding, found_by = _strict_decode(body, encoding, found_by)
    text = text.lstrip("\ufeff")  # a byte-order mark written twice
    warnings = []
    if label is not None and not _compatible(declared, encoding):
        warnings.append(
            ParseWarning(
                f"{declared_by} declares {label}{'' if declared else ' (unknown)'} but "
                f"{found_by}: read as {_NAMES.get(encoding, encoding)}",
                field="encoding",
                value=label,
            )
        )
    elif label is None and encoding == "cp1252":
        warnings.append(ParseWarning(f"no encoding declared and {found_by}: read as windows-1252",
                                     field="encoding"))
    bad = _CONTROL.search(text)
    if bad:
        raise ParseError(
            f"binary content: control character U+{ord(bad.group()):04X}; not an OFX text file",
            line=text.count("\n", 0, bad.start()) + 1,
            field="content",
            value=text[max(0, bad.start() - 20) : bad.start()],
        )
    return text, warnings


def utf16_pattern(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes have UTF-16's NULs of ASCII text."""
    sample = data[:512]
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(even)
    if odd.count(0) * 10 >= half * 9 and even.count(0) * 10 < half:
        return "utf-16-le"
    if even.count(0) * 10 >= half * 9 and odd.count(0) * 10 < half:
        return "utf-16-be"
    return None


def _from_bytes(data: bytes) -> tuple[str | None, bytes, str]:
    """(encoding, the bytes after any byte-order mark, how it was found), or no encoding when
    the bytes are ASCII-compatible and only a trial decoding can tell."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            found_by = f"the file starts with a {_NAMES[encoding]} byte-order mark"
            return encoding, data[len(bom) :], found_by
    pattern = utf16_pattern(data)
    if pattern:
        return pattern, data, f"its NUL bytes are those of {_NAMES[pattern]}"
    return None, data, ""


def _single_byte(data: bytes, declared: str | None) -> tuple[str, str, str]:
    """(text, encoding, why) for ASCII-compatible bytes; never fails."""
    if data.isascii():
        return data.decode("ascii"), "ascii", "the bytes are ASCII"
    try:
        return data.decode("utf-8"), "utf-8", "the bytes are UTF-8"
    except UnicodeDecodeError as error:
        where = _not_utf8(data, error)
    if declared not in (None, "utf-8", "cp1252", "unicode") and not _is_wide(declared):
        try:
            return data.decode(declared), declared, f"the bytes are valid {declared}"
        except UnicodeDecodeError:
            where += f" nor {declared}"
    return data.decode("latin-1").translate(_CP1252_HIGH), "cp1252", where


def _not_utf8(data: bytes, error: UnicodeDecodeError) -> str:
    line = data.count(b"\n", 0, error.start) + 1
    byte = data[error.start : error.end].hex().upper()
    return f"the bytes are not UTF-8 (0x{byte} on line {line})"


def _compatible(declared: str | None, used: str) -> bool:
    if declared is None:
        return False
    if declared == "unicode":
        return used in ("ascii", "utf-8") or _is_wide(used)
    if used == "ascii":  # every encoding OFX files are declared in reads ASCII as ASCII
        return not _is_wide(declared)
    if _is_wide(declared):
        return _is_wide(used)
    return declared == used


def _is_wide(encoding: str) -> bool:
    return encoding.startswith(("utf-16", "utf-32"))


def _declared_encoding(head: str) -> tuple[str | None, str | None, str]:
    """(codec or None when unknown, the declaration as written or None, what declared it)
    from the OFX 1.x header or the XML declaration."""
    if SGML_HEADER.match(head):
        prefix = head.split("<", 1)[0]
        headers = {k.upper(): v.upper() for k, v in _HEADER_LINE.findall(prefix)}
        encoding, charset = headers.get("ENCODING"), headers.get("CHARSET")
        if encoding is None and charset is None:
            return None, None, "the OFX header"
        label = " ".join(f"{k}:{v}" for k, v in (("ENCODING", encoding), ("CHARSET", charset)) if v)
        return _sgml_encoding(encoding, charset), label, "the OFX header"
    declaration = _XML_ENCODING.match(head)
    if declaration:
        name = declaration.group(1)
        codec = _codec(name)
        if codec in ("ascii", "latin_1", "iso8859-1"):
            codec = "cp1252"  # as WHATWG's encoding standard reads these labels
        return codec, readable(name.encode("utf-8", "replace")), "the XML declaration"
    return None, None, "nothing"


def _sgml_encoding(encoding: str | None, charset: str | None) -> str | None:
    if encoding in (None, "UTF-8"):
        return "utf-8"
    if encoding == "UNICODE":
        return "unicode"  # UTF-8 or UTF-16: either is what was declared
    if encoding != "USASCII":
        return None
    if charset in (None, "", "NONE", "1252", "8859-1", "ISO-8859-1"):
        # ISO-8859-1 labels mean windows-1252 in practice (as in WHATWG's encoding standard).
        return "cp1252"
    return _codec(f"cp{charset}" if is_ascii_digits(charset) else charset)


def _codec(name: str) -> str | None:
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a name with a NUL byte in it
        return None
    return {"utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(codec, codec)


def _strict_decode(data: bytes, encoding: str, found_by: str) -> tuple[str, str, str]:
    try:
        return data.decode(encoding), encoding, found_by
    except UnicodeDecodeError as error:
        if encoding == "utf-8":  # a UTF-8 byte-order mark before other bytes
            why = f"{found_by}, {_not_utf8(data, error)}"
            return data.decode("latin-1").translate(_CP1252_HIGH), "cp1252", why
        raise ParseError(
            f"bytes are not valid {_NAMES.get(encoding, encoding)} ({found_by}): "
            "wrong encoding or not a text file",
            line=data[: error.start].decode(encoding, "replace").count("\n") + 1,
            field="encoding",
            value="0x" + data[error.start : error.end].hex().upper(),
        ) from None
