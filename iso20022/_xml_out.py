"""XML out: the minimal streaming emitter the camt.053 writer (writer.py) writes through.

Text is XML-escaped here rather than by lxml: lxml's incremental `xmlfile` re-declares the
default namespace on every element written into it, which would bloat a 250 MB file and
make it unlike what banks send.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import BinaryIO

# Characters XML 1.0 cannot carry at all (not even as character references).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_FLUSH_AT = 256 * 1024  # characters buffered before a write: big enough to be cheap, small to stay flat


def _escape(text: str) -> str:
    if _XML_INVALID.search(text):
        raise ValueError(f"text cannot be represented in XML 1.0: {text!r}")
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:  # a literal CR would be normalized to LF by any XML parser
        text = text.replace("\r", "&#13;")
    return text


def escape_attr(text: str) -> str:
    text = _escape(text).replace('"', "&quot;")
    return text.replace("\n", "&#10;").replace("\t", "&#9;")


class Out:
    """A minimal indenting XML emitter over a binary stream, buffering to ~256 KB chunks."""

    def __init__(self, stream: BinaryIO, pretty: bool) -> None:
        self._stream = stream
        self._parts: list[str] = []
        self._size = 0
        self._stack: list[str] = []
        self._pretty = pretty
        self.bytes_written = 0

    def _nl(self) -> str:
        return "\n" + "  " * len(self._stack) if self._pretty else ""

    def raw(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)

    def open(self, tag: str, attrs: str = "") -> None:
        self.raw(f"{self._nl()}<{tag}{attrs}>")
        self._stack.append(tag)

    def close(self) -> None:
        tag = self._stack.pop()
        self.raw(f"{self._nl()}</{tag}>")

    def leaf(self, tag: str, text: str, attrs: str = "") -> None:
        self.raw(f"{self._nl()}<{tag}{attrs}>{_escape(text)}</{tag}>")

    def empty(self, tag: str) -> None:
        self.raw(f"{self._nl()}<{tag}/>")

    def path(self, tags: Sequence[str], text: str) -> None:
        """Nested single-child elements ending in a text leaf, e.g. Sts/Cd or BookgDt/Dt."""
        for tag in tags[:-1]:
            self.open(tag)
        self.leaf(tags[-1], text)
        for _ in tags[:-1]:
            self.close()

    def maybe_flush(self) -> None:
        if self._size >= _FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            data = "".join(self._parts).encode("utf-8")
            self._stream.write(data)
            self.bytes_written += len(data)
            self._parts.clear()
            self._size = 0
