"""Validate a camt file against the bundled ISO 20022 schema of its version (optional check).

Parsing never requires schema validity (real bank files often are not valid: NOTES.md); this
is for `remit parse FILE --validate` and for telling a bank what it sends wrong.

Files up to 32 MB are validated as a tree (every error with its line); larger ones while
libxml2 streams them (lxml iterparse with `schema=`: flat memory, errors without lines).
Hardened like the parser: the prolog is checked first (a DOCTYPE is refused before libxml2
sees the file), then libxml2 reads the file by name (so that its errors carry line numbers)
with entities, DTD loading and network off and huge mode off (depth <= 256, text nodes
<= 10 MB). A document wrapped in an envelope (AppHdr + Document) is parsed whole and its
Document element validated. Compiled schemas are cached per version.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from core.errors import ParseError
from core.limits import DEFAULT_LIMITS, ParseLimits
from iso20022._xml import HARDENED_OPTIONS, GuardedReader
from iso20022.versions import CamtVersion, version_in

XSD_DIR = Path(__file__).resolve().parent / "xsd"
_HEAD_BYTES = 64 * 1024
# Up to this size the file is validated as a tree, which gives every error its line number;
# above it libxml2 validates while streaming (flat memory, but its errors carry no line).
_IN_MEMORY_MAX = 32 * 1024 * 1024


def bundled_versions() -> list[str]:
    return sorted(p.stem for p in XSD_DIR.glob("camt.*.xsd"))


@lru_cache(maxsize=None)
def _schema(name: str) -> etree.XMLSchema | None:
    path = XSD_DIR / f"{name}.xsd"
    if not path.is_file():
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def validate_path(path: Path | str, *, limits: ParseLimits = DEFAULT_LIMITS) -> list[str]:
    """Schema errors of a camt file as "line N: message" strings; [] when it is valid."""
    path = Path(path)
    try:
        version = version_in(_checked_head(path, limits))
        if version is None:
            return [
                "no bundled schema for this document: it names no camt.052/053/054 version"
                f" (bundled: {', '.join(bundled_versions())})"
            ]
        schema = _schema(version.name)
        if schema is None:
            return [
                f"no bundled schema for {version.name} (bundled: {', '.join(bundled_versions())})"
            ]
        if path.stat().st_size > _IN_MEMORY_MAX and _root_is_document(path, version):
            return _validate_streaming(path, schema)
        return _validate_in_memory(path, schema, version)
    except ParseError as error:
        return [str(error)]


def _checked_head(path: Path, limits: ParseLimits) -> bytes:
    """The first bytes, after the size limit and the prolog (no DOCTYPE) have been checked."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ParseError(f"file is {size} bytes, over the limit of {limits.max_file_bytes}")
    with path.open("rb") as source:
        reader = GuardedReader(source, limits)
        return reader.read(_HEAD_BYTES)


def _hardened(**options: Any) -> dict[str, Any]:
    return {**HARDENED_OPTIONS, **options}


def _syntax_error(error: etree.XMLSyntaxError) -> ParseError:
    message = str(error.msg or error)
    return ParseError(f"not well-formed XML: {message}", line=error.lineno or None)


def _root_is_document(path: Path, version: CamtVersion) -> bool:
    # libxml2 reads the file itself here (by name) so that its error log carries line numbers.
    try:
        for _, root in etree.iterparse(str(path), **_hardened(events=("start",))):
            return root.tag == f"{{{version.namespace}}}Document"
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error) from None
    return False


def _validate_streaming(path: Path, schema: etree.XMLSchema) -> list[str]:
    events = etree.iterparse(str(path), **_hardened(events=("end",), schema=schema))
    try:
        for _, element in events:
            # Keep memory flat: drop what has been validated.
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        # This parse's own log: `error.error_log` also holds earlier parses' errors.
        messages = _schema_messages(events.error_log)
        if messages:
            return messages
        raise _syntax_error(error) from None
    return []


def _validate_in_memory(path: Path, schema: etree.XMLSchema, version: CamtVersion) -> list[str]:
    parser = etree.XMLParser(**_hardened())
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as error:
        raise _syntax_error(error) from None
    # The Document is the root, or sits in an envelope next to a business application header.
    document = next(tree.iter(f"{{{version.namespace}}}Document"), None)
    if document is None:
        return [f"no {version.name} Document element found"]
    if schema.validate(document if document is tree.getroot() else etree.ElementTree(document)):
        return []
    return _schema_messages(schema.error_log)


def _schema_messages(log: etree._ListErrorLog) -> list[str]:
    """One "line N: message" per schema error, namespaces dropped for readability."""
    seen: set[tuple[int, str]] = set()
    messages = []
    for entry in log:
        if entry.domain_name != "SCHEMASV":
            continue
        message = _strip_namespaces(entry.message)
        if entry.line <= 0:  # streaming validation: no line numbers, so nothing to de-duplicate
            messages.append(message)
        elif (entry.line, message) not in seen:
            seen.add((entry.line, message))
            messages.append(f"line {entry.line}: {message}")
    return messages


def _strip_namespaces(message: str) -> str:
    while "{urn:iso:std:iso:20022:tech:xsd:" in message:
        start = message.index("{urn:iso:std:iso:20022:tech:xsd:")
        end = message.find("}", start)
        if end < 0:
            break
        message = message[:start] + message[end + 1 :]
    return message


def validate_pain008(data: bytes) -> list[str]:
    """Schema errors of a pain.008.001.08 document (bytes) as "line N: message"; [] when valid."""
    schema = _schema("pain.008.001.08")
    if schema is None:
        return ["no bundled schema for pain.008.001.08"]
    try:
        document = etree.fromstring(data, etree.XMLParser(**_hardened()))
    except etree.XMLSyntaxError as error:
        return [str(_syntax_error(error))]
    if schema.validate(document):
        return []
    return _schema_messages(schema.error_log)
