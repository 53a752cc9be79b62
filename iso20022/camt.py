"""camt.052 / camt.053 / camt.054 parser, every version .001.02 to .001.14, streaming.

    detect(head) -> Format | None
    iter_records(source, *, limits) -> Statement, its Entry records, ParseWarning, ...

Streaming: lxml iterparse reports only the end of `Ntry`, `TxDtls`, `Stmt`/`Ntfctn`/`Rpt` and
of the message element (BkToCstmrStmt, BkToCstmrDbtCdtNtfctn, BkToCstmrAcctRpt), matched by
local name in any namespace (or none). A statement's header (Id, Acct, Bal, FrToDt,
TxsSummry) precedes its entries, so the Statement is yielded at the end of its first Ntry, or
at its own end when it has none. Memory stays flat whatever the file size:
- processed entries are deleted from the tree every `_RELEASE_EVERY` entries;
- an entry with very many TxDtls (a collective booking with full details) has them built
  and deleted `_TX_BATCH` at a time, before the entry ends;
- the reader refuses to let the tree grow past `limits.max_elements` elements, or past
  `limits.max_entry_bytes` bytes without a complete entry, so junk the parser never reports
  (a million empty elements) cannot fill memory either; an entry holds at most
  `limits.max_entry_items` transactions and remittance items; whatever precedes a released
  element or any of its ancestors (group header, junk between statements) is deleted.
The version (namespace) does not change how we read: _build.py (and _details.py) handle the
differences. It must be one ISO published (.001.01 to .001.14) and agree with the message
element: no namespace, another message's namespace or an unknown version is refused
(versions.namespace_problem), and so is a message without any Stmt/Rpt/Ntfctn.
A camt.053 statement whose balances do not add up gets a warning (_integrity.py).

Fatal (ParseError naming line, record, field and value): XML that is not well-formed or is
hostile (_xml.py), a missing or malformed Ntry/Bal amount, a CdtDbtInd other than CRDT/DBIT,
a malformed date or boolean. Warnings, because real banks are lax (shared/iso20022/NOTES.md):
TxsSummry entry count, batch count or total, TxDtls sign against its entry, unknown status.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from core.errors import ParseError, ParseWarning
from core.limits import DEFAULT_LIMITS, ParseLimits
from core.records import Format, Record
from iso20022 import _build, versions
from iso20022._integrity import BalanceCheck
from iso20022._values import Names, split_tag
from iso20022._xml import (
    DepthProbe,
    GuardedReader,
    check_no_doctype,
    depth_of,
    hardened_iterparse,
    syntax_error,
)

_MESSAGES = frozenset(versions.MESSAGE_FORMATS)
_STATEMENTS = frozenset(versions.STATEMENT_ELEMENTS.values())
_EVENT_TAGS = [
    "{*}" + name for name in (*sorted(_MESSAGES), *sorted(_STATEMENTS), "Ntry", "TxDtls")
]
# Processed entries are kept this many at a time so that one depth probe (an XPath call, the
# costliest fixed step) covers them all; then they are deleted. Memory: a few dozen entries.
# A depth violation is thus reported up to this many entries late, still as a fatal error.
_RELEASE_EVERY = 32
# TxDtls of one entry are left in the tree up to this many; beyond, they are built and freed.
_TX_BATCH = 64
_NOTHING: tuple[()] = ()
_COUNT = etree.XPath("count(descendant-or-self::*)")  # in C: the elements an entry still holds


def detect(head: bytes) -> Format | None:
    """camt.052/053/054 from the first ~4 KB (namespace, or message element names)."""
    return versions.detect(head)


def iter_records(source: BinaryIO, *, limits: ParseLimits = DEFAULT_LIMITS) -> Iterator[Record]:
    """Stream Statement, Entry and ParseWarning records from a camt document."""
    reader = GuardedReader(source, limits)
    stream = _CamtStream(DepthProbe(limits.max_xml_depth), reader, limits)
    events = hardened_iterparse(reader, _EVENT_TAGS)
    on_end = stream.on_end
    notes = reader.warnings  # encoding repairs, appended while libxml2 reads
    try:
        for _, element in events:
            if notes:
                yield from notes
                notes.clear()
            records = on_end(element)
            if records:
                yield from records
        yield from notes
        notes.clear()
        stream.finish(events.root)
    except etree.XMLSyntaxError as error:
        raise syntax_error(error, reader, events.error_log) from None


class _CamtStream:
    """State between iterparse events: the open statement and what its header promised."""

    def __init__(self, probe: DepthProbe, reader: GuardedReader, limits: ParseLimits) -> None:
        self._probe = probe
        self._reader = reader
        self._max_items = limits.max_entry_items
        self._names: Names | None = None
        self._locals: dict[str, str] = {}  # Clark name -> local name of the reported elements
        self._checked_doctype = False
        self._messages = 0
        self._message_name = ""
        self._statements = 0
        self._checked_namespaces: set[str] = set()
        self._check: BalanceCheck | None = None
        # the open statement
        self._stmt: etree._Element | None = None
        self._stmt_depth = 0
        self._label = ""
        self._emitted = False
        self._entries = 0
        self._unreleased = 0
        self._declared: _build.DeclaredCount | None = None
        self._currency: str | None = None
        # TxDtls of the entry being read (see _on_details)
        self._pending_details: list[etree._Element] = []
        self._early: _build.EarlyDetails | None = None
        self._early_ntry: etree._Element | None = None

    def on_end(self, element: etree._Element) -> list[Record] | tuple[()]:
        if not self._checked_doctype:
            self._checked_doctype = True
            check_no_doctype(element)
        tag = element.tag
        local = self._locals.get(tag)
        if local is None:
            local = split_tag(tag)[1]
            if len(self._locals) < 64:  # a handful of Clark names, unless a file is hostile
                self._locals[tag] = local
        if local == "Ntry":
            return self._on_entry(element)
        if local == "TxDtls":
            pending = self._pending_details
            pending.append(element)
            return _NOTHING if len(pending) < _TX_BATCH else self._on_details(element)
        if local in _STATEMENTS:
            return self._on_statement_end(element)
        if local in _MESSAGES:
            self._messages += 1
            self._message_name = local
            self._check_namespace(split_tag(tag)[0], local, element)
            self._probe.check(element, depth_of(element))
        return []

    def finish(self, root: etree._Element | None) -> None:
        if self._messages == 0:
            raise ParseError(
                "not a camt.052/053/054 document: no BkToCstmrStmt, BkToCstmrDbtCdtNtfctn"
                " or BkToCstmrAcctRpt element",
                line=None if root is None else root.sourceline,
                field="root",
                value=None if root is None else split_tag(root.tag)[1],
            )
        if self._statements == 0:
            inner = versions.STATEMENT_NAMES[versions.STATEMENT_ELEMENTS[self._message_name]]
            raise ParseError(
                f"the {self._message_name} message holds no {inner}: there is nothing to"
                " import (refused rather than read as a day without activity)",
                line=None if root is None else root.sourceline,
                field=versions.STATEMENT_ELEMENTS[self._message_name],
                value=None,
            )
        if root is not None:
            self._probe.check(root, 1)

    def _check_namespace(self, namespace: str, message: str, element: etree._Element) -> None:
        """Refuse a message we cannot read for sure (see versions.namespace_problem)."""
        key = namespace + "}" + message
        if key in self._checked_namespaces:
            return
        problem = versions.namespace_problem(namespace, message)
        if problem is not None:
            raise ParseError(
                f"not a camt document this parser can read: {problem}",
                line=element.sourceline,
                field="namespace",
                value=namespace or None,
            )
        if len(self._checked_namespaces) < 16:
            self._checked_namespaces.add(key)

    # -- statements ---------------------------------------------------------------------------

    def _open(self, stmt: etree._Element) -> bool:
        """Start a statement; False if `stmt` is not one (a same-named foreign element)."""
        namespace, local = split_tag(stmt.tag)
        message = stmt.getparent()
        if local not in _STATEMENTS or message is None:
            return False
        if split_tag(message.tag) not in {(namespace, name) for name in _MESSAGES}:
            return False
        self._check_namespace(namespace, split_tag(message.tag)[1], message)
        if self._names is None or self._names.namespace != namespace:
            self._names = Names(namespace)
        self._statements += 1
        self._stmt = stmt
        self._stmt_depth = depth_of(stmt)
        self._label = f"{local} {self._statements}"
        self._emitted = False
        self._entries = 0
        self._unreleased = 0
        self._declared = None
        self._currency = None
        self._check = None
        return True

    def _emit(self, stmt: etree._Element) -> Record:
        assert self._names is not None
        self._probe.check(stmt, self._stmt_depth)
        statement, self._declared, closing_line = _build.statement_header(
            stmt, self._names, self._label
        )
        self._currency = statement.currency
        if self._label.startswith("Stmt "):  # camt.053 only: see _integrity.py
            self._check = BalanceCheck.of(statement, self._label, closing_line)
        self._emitted = True
        return statement

    def _on_statement_end(self, stmt: etree._Element) -> list[Record]:
        if stmt is not self._stmt and not self._open(stmt):
            return []
        self._probe.check(stmt, self._stmt_depth)
        records: list[Record] = []
        if not self._emitted:
            records.append(self._emit(stmt))
        declared = self._declared
        if declared is not None and declared[0] != self._entries:
            records.append(
                ParseWarning(
                    f"TxsSummry/TtlNtries says {declared[0]} entries but the statement has"
                    f" {self._entries}",
                    line=declared[1],
                    record=self._label,
                    field="TxsSummry/TtlNtries/NbOfNtries",
                    value=declared[2],
                )
            )
        if self._check is not None:
            mismatch = self._check.warning()
            if mismatch is not None:
                records.append(mismatch)
            self._check = None
        stmt.clear(keep_tail=False)
        message = stmt.getparent()  # holds the group header and the statements before
        self._release_before(stmt, message, self._stmt_depth - 1)
        self._stmt = None
        return records

    def _statement_of(self, ntry: etree._Element) -> etree._Element | None:
        """The open statement `ntry` belongs to (opening it if new), else None (foreign)."""
        stmt = ntry.getparent()
        if stmt is self._stmt:
            return stmt
        if stmt is None or split_tag(ntry.tag)[0] != split_tag(stmt.tag)[0]:
            return None
        return stmt if self._open(stmt) else None

    # -- entries ------------------------------------------------------------------------------

    def _on_entry(self, ntry: etree._Element) -> list[Record]:
        stmt = self._statement_of(ntry)
        if stmt is None:
            return []  # a foreign "Ntry" (e.g. inside supplementary data): not an entry
        records: list[Record] = []
        if not self._emitted:
            records.append(self._emit(stmt))
        self._entries += 1
        early = self._early if self._early_ntry is ntry else None
        entry = _build.entry(
            ntry,
            self._names,
            f"{self._label} / Ntry {self._entries}",
            self._currency,
            records if early is None else early.context.warnings,
            early,
            self._max_items,
        )
        if early is not None:
            records.extend(early.context.warnings)
        records.append(entry)
        if self._check is not None:
            self._check.add(entry)
        self._early = self._early_ntry = None
        self._pending_details = []
        self._unreleased += 1
        if self._unreleased >= _RELEASE_EVERY:
            ntry.clear(keep_tail=False)
            self._release_before(ntry, stmt, self._stmt_depth)
        return records

    def _release_before(
        self, element: etree._Element, scope: etree._Element, depth: int, *, held: int = 0
    ) -> None:
        """Check the depth of what `scope` holds, then delete all before `element` (complete:
        it has ended) under its parent, and all before each of its ancestors (junk between
        messages or statements, a group header). The reader then counts from `held` (the
        elements an entry freed in parts still holds); `held=0` ends an entry's byte count."""
        self._probe.check(scope, depth)
        node = element
        parent = node.getparent()
        while parent is not None:
            if node.getprevious() is not None:
                del parent[: parent.index(node)]
            node, parent = parent, parent.getparent()
        self._reader.released(held, entry_done=held == 0)
        self._unreleased = 0

    def _on_details(self, tx: etree._Element) -> list[Record]:
        """Collect the ended TxDtls of the entry being read; free them in batches when many.

        Entries normally have a handful of TxDtls, read at the entry's end. A collective
        booking may carry thousands (in one NtryDtls, or one NtryDtls each): they are then
        built `_TX_BATCH` at a time, here, and removed from the tree. Only TxDtls whose end
        has been reported are touched: the parser may already be filling the next one.
        """
        pending, self._pending_details = self._pending_details, []  # on_end appended `tx`
        block = tx.getparent()
        if block is not None and split_tag(block.tag)[1] == "Ntry":
            ntry = block  # .001.01: TxDtls directly in the entry
        else:
            ntry = None if block is None else block.getparent()
            if ntry is None or split_tag(block.tag)[1] != "NtryDtls":
                return []  # not the details of an entry (a foreign element of the same name)
        if split_tag(ntry.tag)[1] != "Ntry":
            return []
        stmt = self._statement_of(ntry)
        if stmt is None:
            return []
        names = self._names
        assert names is not None
        records: list[Record] = []
        if not self._emitted:
            records.append(self._emit(stmt))
        if self._early_ntry is not ntry:
            record = f"{self._label} / Ntry {self._entries + 1}"
            context = _build.entry_context(ntry, names, record, self._currency, [])
            if context is None:
                return records  # Amt/CdtDbtInd not read yet: the entry is read at its end
            self._early = _build.EarlyDetails(context, self._max_items)
            self._early_ntry = ntry
        assert self._early is not None
        for details in pending:
            parent = details.getparent()
            if parent is ntry:  # .001.01
                self._probe.check(details, self._stmt_depth + 2)
            elif parent is None or parent.getparent() is not ntry or parent.tag != names.NtryDtls:
                continue  # a foreign TxDtls nested somewhere in this entry: not a detail
            else:
                self._probe.check(details, self._stmt_depth + 3)
            _build.build_early(parent, details, names, self._early)
            parent.remove(details)
        self._early.close_complete_blocks(names)
        # Entries before this one are complete: free them too. The reader counts on from what
        # this entry still holds, and goes on counting its bytes.
        self._release_before(ntry, stmt, self._stmt_depth, held=max(1, int(_COUNT(ntry))))
        return records

