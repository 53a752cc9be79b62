"""Which camt message and version a document is: from its namespace, or from its element names.

The parser reads every version by local element names (the differences between .001.02 and
.001.13 that matter to us are handled where they occur); the version is only needed to pick a
schema for validation and to tell camt.052, .053 and .054 apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.records import Format

# The message element (child of Document) of each message, and its statement-like child.
# Version .001.01 (2006) names the message element with its version: BkToCstmrStmtV01.
MESSAGE_FORMATS: dict[str, Format] = {
    "BkToCstmrAcctRpt": Format.CAMT052,
    "BkToCstmrStmt": Format.CAMT053,
    "BkToCstmrDbtCdtNtfctn": Format.CAMT054,
    "BkToCstmrAcctRptV01": Format.CAMT052,
    "BkToCstmrStmtV01": Format.CAMT053,
    "BkToCstmrDbtCdtNtfctnV01": Format.CAMT054,
}
STATEMENT_ELEMENTS: dict[str, str] = {
    "BkToCstmrAcctRpt": "Rpt",
    "BkToCstmrStmt": "Stmt",
    "BkToCstmrDbtCdtNtfctn": "Ntfctn",
    "BkToCstmrAcctRptV01": "Rpt",
    "BkToCstmrStmtV01": "Stmt",
    "BkToCstmrDbtCdtNtfctnV01": "Ntfctn",
}
# What each message calls its statements, for refusals ("no Stmt (statement)").
STATEMENT_NAMES = {"Rpt": "Rpt (account report)", "Stmt": "Stmt (statement)",
                   "Ntfctn": "Ntfctn (notification)"}  # fmt: skip
_MESSAGE_NUMBERS = {"052": Format.CAMT052, "053": Format.CAMT053, "054": Format.CAMT054}
# The versions ISO 20022 has published for camt.052/053/054: .001.01 (2006) to .001.14
# (2026; it adds Refs/RtrId, SctiesData and a UTI to .001.13, nothing read differently). The
# parser reads them all by local names; any other number is refused, since we cannot know what
# a future or made-up version means.
KNOWN_VERSIONS = range(1, 15)

_NAMESPACE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d\d)")
# A message element as a start tag, with or without a namespace prefix.
_MESSAGE_TAG = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?(BkToCstmrAcctRpt|BkToCstmrStmt|BkToCstmrDbtCdtNtfctn)(?:V01)?[\s>/]"
)
# A business application header naming the message (when the Document starts beyond the head).
_MSG_DEF = re.compile(rb"MsgDefIdr>\s*camt\.(05[234])\.001\.\d\d")


@dataclass(frozen=True, slots=True)
class CamtVersion:
    message: str  # "052", "053" or "054"
    version: int  # the NN of camt.05x.001.NN

    @property
    def name(self) -> str:
        return f"camt.{self.message}.001.{self.version:02d}"

    @property
    def namespace(self) -> str:
        return f"urn:iso:std:iso:20022:tech:xsd:{self.name}"

    @property
    def format(self) -> Format:
        return _MESSAGE_NUMBERS[self.message]


def version_from_namespace(namespace: str | None) -> CamtVersion | None:
    """The camt version a namespace URI names, or None (no namespace, or not camt)."""
    if not namespace:
        return None
    found = _NAMESPACE.fullmatch(namespace.encode("ascii", "replace"))
    if found is None:
        return None
    return CamtVersion(found.group(1).decode(), int(found.group(2)))


def version_in(head: bytes) -> CamtVersion | None:
    """The version of the first camt namespace named in `head` (ASCII-compatible bytes)."""
    found = _NAMESPACE.search(head)
    if found is None:
        return None
    return CamtVersion(found.group(1).decode(), int(found.group(2)))


def _readable_head(head: bytes) -> bytes | None:
    """The head as ASCII-compatible bytes, or None when it does not start like XML."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "ignore").encode("utf-8", "replace")
    elif head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.lstrip().startswith(b"<"):
        return None
    return head


def detect(head: bytes) -> Format | None:
    """camt.052/053/054 from the first bytes of a file (content only), else None."""
    head_xml = _readable_head(head)
    if head_xml is None:
        return None
    found = _NAMESPACE.search(head_xml)
    if found is not None:
        return _MESSAGE_NUMBERS[found.group(1).decode()]
    tag = _MESSAGE_TAG.search(head_xml)
    if tag is not None:
        return MESSAGE_FORMATS[tag.group(1).decode()]
    header = _MSG_DEF.search(head_xml)
    if header is not None:
        return _MESSAGE_NUMBERS[header.group(1).decode()]
    return None


def namespace_problem(namespace: str, message: str) -> str | None:
    """Why a message element `message` (local name) in `namespace` is not a camt document we
    can read, or None when it is: no namespace, a namespace that is not camt.052/053/054, a
    version number ISO never published, or a namespace naming another message than the
    element (a camt.052 namespace around BkToCstmrStmt)."""
    if not namespace:
        return (
            f"{message} has no XML namespace, so the camt version cannot be told"
            " (expected xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.05x.001.NN\")"
        )
    found = version_from_namespace(namespace)
    if found is None:
        return f"namespace {namespace!r} is not camt.052/053/054"
    if found.version not in KNOWN_VERSIONS:
        return (
            f"{found.name} is not a known version of camt.{found.message} (known:"
            f" .001.{KNOWN_VERSIONS[0]:02d} to .001.{KNOWN_VERSIONS[-1]:02d})"
        )
    expected = MESSAGE_FORMATS.get(message)
    if expected is not None and expected is not found.format:
        return f"the namespace says {found.name} but the message element is {message} ({expected.value})"
    return None
