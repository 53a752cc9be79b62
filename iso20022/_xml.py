"""Hardened, streaming XML reading for untrusted bank files.

A bank file never needs a DTD, entities, XInclude or the network, so:
- `GuardedReader` sits between the file and libxml2. It rejects any DOCTYPE in the prolog
  before libxml2 sees it, counts bytes (`max_file_bytes`), and enforces `max_text_bytes` on
  the raw bytes: no text node or attribute can be longer than the longest run of bytes
  without a '<', which it tracks with two C-speed searches per chunk. It also counts tags
  between the parser's releases (`MAX_PENDING_MARKUP`), which bounds the tree in memory.
- `hardened_iterparse` turns off entity resolution, DTD loading, network access and
  libxml2's "huge" mode (which also caps depth at 256 and text nodes at 10 MB).
- `DepthProbe` enforces `max_xml_depth` on the subtrees the parser keeps, with one compiled
  XPath evaluated in C (a Python start-event per element would double the parse time).
- `syntax_error` turns libxml2's complaints into a ParseError naming the line.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

from lxml import etree

from core.errors import LimitExceeded, ParseError, ParseWarning
from core.limits import ParseLimits

_LT = b"<"
_NL = b"\n"
# The tree the parser holds is bounded by `limits.max_elements`: the reader counts tags ('<',
# an upper bound of new elements) on top of what the parser says it still holds after each
# release. A legitimate release unit is a few dozen entries or TxDtls (thousands of tags);
# junk the parser gets no event for (millions of empty elements between two entries) would
# otherwise stay in memory. The bytes read between two releases are bounded too
# (`limits.max_entry_bytes`): one entry cannot fill memory with text either.
_ENCODING_DECL = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_LIBXML_WHERE = re.compile(r",? line \d+, column \d+$")

# Encodings the reader decodes itself, handing libxml2 UTF-8 (names upper-cased). libxml2's
# own support for Windows-1252 depends on how it was built (iconv), and banks' Windows
# exports label Windows-1252 text ISO-8859-1; a file declaring UTF-8 (or nothing) may
# hold Latin-1 bytes. See GuardedReader._transcode.
_LATIN1 = frozenset({"ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1", "LATIN-1", "L1",
                     "ISO-IR-100", "CP819", "IBM819"})  # fmt: skip
_CP1252 = frozenset({"WINDOWS-1252", "CP1252", "X-CP1252", "WIN-1252"})
_UTF8 = frozenset({"UTF-8", "UTF8"})
_C1 = re.compile(rb"[\x80-\x9f]")  # bytes ISO-8859-1 maps to control characters


def _cp1252_or_latin1(error: UnicodeError) -> tuple[str, int]:
    """codecs error handler: bytes that failed to decode, read as Windows-1252 (its five
    unassigned bytes as ISO-8859-1)."""
    assert isinstance(error, UnicodeDecodeError)
    raw = error.object[error.start : error.end]
    return raw.decode("cp1252", errors="remit-latin1"), error.end


def _latin1(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("remit-latin1", _latin1)
codecs.register_error("remit-cp1252", _cp1252_or_latin1)


def _utf8_cut(data: bytes) -> int:
    """Where a UTF-8 sequence left incomplete at the end of `data` starts (else len(data))."""
    end = len(data)
    for back in range(1, min(4, end) + 1):
        byte = data[end - back]
        if byte < 0x80:
            return end
        if byte >= 0xC0:  # a lead byte: its sequence needs 2, 3 or 4 bytes
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end - back if need > back else end
    return end


class GuardedReader:
    """A file-like `read()` over `source` that checks the prolog and the size limits."""

    def __init__(self, source: BinaryIO, limits: ParseLimits) -> None:
        self._source = source
        self._limits = limits
        self._max_markup = limits.max_elements
        self._markup = 0  # elements held: counted by the parser at a release, then tags read
        self._unreleased_bytes = 0  # bytes read since the parser last released
        self._chunk_cap = max(1, limits.max_text_bytes)
        self._run = 0  # bytes since the last '<'
        self._lines = 1  # line number at the start of the next chunk
        self.bytes_read = 0
        self.encoding = "UTF-8"  # as declared (XML's default when undeclared)
        self._first = True
        # How chunks are handed to libxml2: "utf-8" (checked, repaired when not UTF-8),
        # "latin-1" or "cp1252" (decoded here to UTF-8), or None (libxml2 decodes).
        self._mode: str | None = "utf-8"
        self._held = b""  # an incomplete UTF-8 sequence at the end of the last chunk
        self._repaired = False
        self.warnings: list[ParseWarning] = []  # encoding repairs, for the parser to yield

    def read(self, size: int = -1) -> bytes:
        # Chunks no larger than the text limit: a run inside one chunk cannot exceed it.
        want = self._chunk_cap if size is None or size < 0 else min(size, self._chunk_cap)
        chunk = self._source.read(want)
        if not chunk:
            if self._held:  # the file ends inside a UTF-8 sequence
                held, self._held = self._held, b""
                return self._repair(held, self._lines)
            return b""
        out = b""
        if self._first:
            self._first = False
            out = self._check_prolog(chunk)
        self.bytes_read += len(chunk)
        if self.bytes_read > self._limits.max_file_bytes:
            raise LimitExceeded(
                f"file is larger than the limit of {self._limits.max_file_bytes} bytes",
                line=self._lines,
                field="size",
                value=str(self.bytes_read),
            )
        self._track_text_run(chunk)
        self._markup += chunk.count(_LT)
        if self._markup > self._max_markup:
            raise LimitExceeded(
                f"more than {self._max_markup} elements held at once (junk elements, or an"
                " entry too large to hold)",
                line=self._lines,
                field="elements",
                value=str(self._markup),
            )
        self._unreleased_bytes += len(chunk)
        if self._unreleased_bytes > self._limits.max_entry_bytes:
            raise LimitExceeded(
                f"more than {self._limits.max_entry_bytes} bytes without a complete entry",
                line=self._lines,
                field="entry size",
                value=str(self._unreleased_bytes),
            )
        line = self._lines
        self._lines += chunk.count(_NL)
        if self._mode is not None:
            chunk = self._transcode(out or chunk, line)
            if not chunk:  # all of it held back (an incomplete UTF-8 sequence): read on
                return self.read(size)
        elif out:
            chunk = out
        return chunk

    def _transcode(self, chunk: bytes, line: int) -> bytes:
        """The chunk as UTF-8 for libxml2 (lines and '<' positions are kept).

        - Declared UTF-8, or no declaration: passed through when it is UTF-8 (an ASCII
          chunk costs one C-speed check); bytes that are not UTF-8 are read as Windows-1252
          with one warning. A treasury user expects the day's cash to be read: amounts,
          dates and references are ASCII, and the damage is limited to accented letters
          in names and remittance text, which the warning points to.
        - Declared ISO-8859-1: decoded here; if it holds bytes 0x80-0x9F (control
          characters in ISO-8859-1, but €, quotes, dashes in Windows-1252, which Windows
          exports label ISO-8859-1) those are read as Windows-1252 with a warning.
        - Declared Windows-1252: decoded here (libxml2 may not know it); no warning.
        """
        mode = self._mode
        if mode == "utf-8":
            held = self._held
            if not held and chunk.isascii():
                return chunk
            data = held + chunk if held else chunk
            cut = _utf8_cut(data)
            self._held = data[cut:]
            data = data[:cut]
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return self._repair(data, line)
            return data
        if mode == "latin-1":
            found = _C1.search(chunk)
            if found is None:
                return chunk.decode("latin-1").encode("utf-8")
            self._warn_once(
                "the file declares ISO-8859-1 but holds bytes 0x80-0x9F, which are Windows-1252"
                " characters (such as the euro sign or typographic quotes): read as"
                " Windows-1252",
                line + chunk.count(_NL, 0, found.start()),
                chunk[found.start() : found.start() + 1],
            )
        elif _C1.search(chunk) is None:  # cp1252 below 0x80 and from 0xA0 is ISO-8859-1
            return chunk.decode("latin-1").encode("utf-8")
        return chunk.decode("cp1252", errors="remit-latin1").encode("utf-8")

    def _repair(self, data: bytes, line: int) -> bytes:
        """Bytes declared (or defaulting to) UTF-8 that are not: read as Windows-1252."""
        try:
            data.decode("utf-8")
            return data
        except UnicodeDecodeError as error:
            bad = data[error.start : error.start + 4]
            line += data.count(_NL, 0, error.start)  # `line` is that of data[0]
        self._warn_once(
            f"the file declares {self.encoding} (or declares no encoding, which means UTF-8)"
            " but holds bytes that are not UTF-8: read them as Windows-1252; check accented"
            " letters in names and remittance text",
            line,
            bad,
        )
        return data.decode("utf-8", errors="remit-cp1252").encode("utf-8")

    def _warn_once(self, message: str, line: int, sample: bytes) -> None:
        if self._repaired:
            return
        self._repaired = True
        self.warnings.append(
            ParseWarning(message, line=line, field="encoding", value=f"{self.encoding} {sample!r}")
        )

    def released(self, held: int = 0, *, entry_done: bool = True) -> None:
        """The parser freed what it had processed and still holds `held` elements. With
        `entry_done=False` (an entry freed in parts) the entry's bytes keep counting."""
        self._markup = held
        if entry_done:
            self._unreleased_bytes = 0

    def _track_text_run(self, chunk: bytes) -> None:
        first = chunk.find(_LT)
        if first < 0:
            self._run += len(chunk)
            if self._run > self._limits.max_text_bytes:
                self._text_too_long(self._lines + chunk.count(_NL))
            return
        if self._run + first > self._limits.max_text_bytes:
            self._text_too_long(self._lines + chunk.count(_NL, 0, first))
        self._run = len(chunk) - chunk.rfind(_LT) - 1

    def _text_too_long(self, line: int) -> None:
        raise LimitExceeded(
            f"text longer than the limit of {self._limits.max_text_bytes} bytes"
            " (no element or value in a bank file is that long)",
            line=line,
            field="text",
        )

    def _check_prolog(self, chunk: bytes) -> bytes:
        """Reject a DOCTYPE (and with it every DTD and entity declaration) up front; choose
        how to decode (see _transcode). Returns the chunk to decode when its encoding
        declaration was rewritten to UTF-8, else b"" (the chunk as read)."""
        out = b""
        if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = chunk.decode("utf-16", "ignore")
            self.encoding = "UTF-16"
            self._mode = None
        else:
            bom = chunk.startswith(b"\xef\xbb\xbf")
            raw = chunk[3:] if bom else chunk
            declared = _ENCODING_DECL.match(raw)
            if declared is not None:
                self.encoding = declared.group(1).decode("ascii")
                name = self.encoding.upper()
                mode = "latin-1" if name in _LATIN1 else "cp1252" if name in _CP1252 else None
                if name in _UTF8:
                    mode = "utf-8"
                if bom and name not in _UTF8:  # the byte order mark says UTF-8: it wins
                    self.warnings.append(ParseWarning(
                        f"the file starts with a UTF-8 byte order mark but declares"
                        f" {self.encoding}: read as UTF-8",
                        line=1, field="encoding", value=self.encoding,
                    ))  # fmt: skip
                    mode = "utf-8"
                self._mode = mode
                if mode is not None and name not in _UTF8:  # libxml2 will be given UTF-8
                    start, end = declared.span(1)
                    out = raw[:start] + b"UTF-8" + raw[end:]
            text = raw.decode("latin-1")  # ASCII-compatible encodings: markup is ASCII
        found = _doctype_position(text)
        if found is not None:
            reject_doctype(text.count("\n", 0, found) + 1, text[found : found + 40])
        return out


def reject_doctype(line: int | None, value: str | None) -> None:
    raise ParseError(
        "DOCTYPE/DTD or entity declarations are not allowed in a bank file"
        " (they can fetch files or expand without bound)",
        line=line,
        field="DOCTYPE",
        value=value,
    )


def _doctype_position(text: str) -> int | None:
    """Where a `<!DOCTYPE` (or any other `<!` declaration) starts in the prolog, else None.

    The prolog is: XML declaration, comments, processing instructions and white space. We
    stop at the root element (or anything unexpected, which libxml2 will then reject).
    """
    i, end = 0, len(text)
    while i < end:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif text.startswith("<!--", i):
            close = text.find("-->", i + 4)
            if close < 0:
                return None  # prolog longer than the first chunk: the parser's check applies
            i = close + 3
        elif text.startswith("<?", i):
            close = text.find("?>", i + 2)
            if close < 0:
                return None
            i = close + 2
        elif text.startswith("<!", i):
            return i
        else:
            return None
    return None


# The options every lxml parser of untrusted camt gets (iterparse here, XMLParser in validate.py):
# nothing fetched, nothing expanded, libxml2's own limits kept, comments and PIs dropped.
HARDENED_OPTIONS: dict[str, bool] = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    attribute_defaults=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def hardened_iterparse(reader: GuardedReader, tags: list[str]) -> etree.iterparse:
    """`end` events for `tags` only, with HARDENED_OPTIONS."""
    return etree.iterparse(
        reader,
        events=("end",),
        tag=tags,
        **HARDENED_OPTIONS,
        # Indentation between elements never carries data; dropping it in libxml2 makes the
        # tree about half as many nodes (a fifth faster to build and to walk).
        remove_blank_text=True,
        collect_ids=False,
    )


def check_no_doctype(element: etree._Element) -> None:
    """Backstop for a DOCTYPE the prolog scan could not see (prolog longer than one chunk)."""
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        reject_doctype(None, info.doctype or None)


def syntax_error(
    error: etree.XMLSyntaxError, reader: GuardedReader, log: etree._ListErrorLog
) -> ParseError:
    """A ParseError for what libxml2 rejected, in words an operator can act on.

    `log` is the iterparse object's own error log: iterparse may raise a generic "no element
    found" while the log holds the real first cause (`error.error_log` also holds earlier
    parses' errors, so it is not used).
    """
    raw = str(error.msg or error)
    line = error.lineno or None
    first = next((e for e in log if e.level >= etree.ErrorLevels.ERROR), None)
    if first is not None and first.message:
        raw, line = first.message.strip(), first.line or line
    detail = _LIBXML_WHERE.sub("", raw)
    if reader.bytes_read == 0:
        return ParseError("the file is empty", line=1, field="content")
    if "Excessive depth" in raw:
        return LimitExceeded(f"XML nested too deeply ({detail})", line=line, field="depth")
    if "too long" in raw or "huge" in raw.lower():
        return LimitExceeded(f"XML text node too long ({detail})", line=line, field="text")
    if "Unsupported encoding" in raw:
        return ParseError(
            f"the file declares an encoding libxml2 does not know: {detail}",
            line=line,
            field="encoding",
            value=reader.encoding,
        )
    if "encoding" in raw.lower() or "Input is not proper" in raw:
        return ParseError(
            f"bytes that are not valid {reader.encoding} (the encoding the file declares"
            f" or defaults to): {detail}",
            line=line,
            field="encoding",
            value=reader.encoding,
        )
    if "Document is empty" in raw or "no element found" in raw:
        return ParseError(f"no XML content: {detail}", line=line, field="content")
    if "Entity" in raw or "entity" in raw:
        return ParseError(f"entity references are not allowed: {detail}", line=line, field="entity")
    return ParseError(f"not well-formed XML: {detail}", line=line)


class DepthProbe:
    """Raises LimitExceeded when an element of a kept subtree is deeper than the limit.

    Depths count from the root element (depth 1). One XPath per base depth, compiled once.
    """

    def __init__(self, max_depth: int) -> None:
        self._max = max_depth
        self._paths: dict[int, etree.XPath] = {}

    def check(self, element: etree._Element, depth: int) -> None:
        """`element` is at `depth`; nothing below it may exceed the limit."""
        steps = self._max - depth + 1  # levels below `element` that reach max + 1
        if steps <= 0:
            self._too_deep(element, depth)
        probe = self._paths.get(steps)
        if probe is None:
            probe = self._paths[steps] = etree.XPath("(" + "/".join(["*"] * steps) + ")[1]")
        found = probe(element)
        if found:
            self._too_deep(found[0], self._max + 1)

    def _too_deep(self, element: etree._Element, depth: int) -> None:
        raise LimitExceeded(
            f"XML nested deeper than the limit of {self._max} levels",
            line=element.sourceline,
            field="depth",
            value=str(depth),
        )


def depth_of(element: etree._Element) -> int:
    """Depth of an element (the root is 1). Called once per statement, not per element."""
    depth = 1
    for _ in element.iterancestors():
        depth += 1
    return depth
