"""NACHA code tables: transaction codes, SEC codes, return (R) and change (C) codes.

Meanings are short summaries (see /work/shared/ach/return-codes.md); the Nacha Operating
Rules are authoritative. Codes outside these tables are accepted with a warning: banks
use private codes (e.g. R97) and test files carry invalid ones (e.g. C92).
"""

from __future__ import annotations

from core import labels
from core.records import Direction

# Transaction codes (entry detail positions 2-3). The last digit says the direction from
# the receiver's side: 1-4 credit, 5-9 debit (55: loan reversal debit).
# x1/x6 are returns and NOCs; in control totals x1 counts as credit and x6 as debit.
TRANSACTION_CODES: dict[int, str] = {
    21: "checking: return or NOC of a credit",
    22: "checking credit",
    23: "checking credit prenote",
    24: "checking zero-dollar credit with remittance",
    26: "checking: return or NOC of a debit",
    27: "checking debit",
    28: "checking debit prenote",
    29: "checking zero-dollar debit with remittance",
    31: "savings: return or NOC of a credit",
    32: "savings credit",
    33: "savings credit prenote",
    34: "savings zero-dollar credit with remittance",
    36: "savings: return or NOC of a debit",
    37: "savings debit",
    38: "savings debit prenote",
    39: "savings zero-dollar debit with remittance",
    41: "general ledger: return or NOC of a credit",
    42: "general ledger credit",
    43: "general ledger credit prenote",
    44: "general ledger zero-dollar credit with remittance",
    46: "general ledger: return or NOC of a debit",
    47: "general ledger debit",
    48: "general ledger debit prenote",
    49: "general ledger zero-dollar debit with remittance",
    51: "loan: return or NOC of a credit",
    52: "loan credit",
    53: "loan credit prenote",
    54: "loan zero-dollar credit with remittance",
    55: "loan debit (reversals only)",
    56: "loan: return or NOC of a debit",
}

# ADV (automated accounting advice) entry codes, used only in ADV batches.
ADV_TRANSACTION_CODES: dict[int, str] = {
    81: "credit for ACH credits originated",
    82: "debit for ACH debits originated",
    83: "credit for ACH credits received",
    84: "debit for ACH debits received",
    85: "credit for ACH credits in rejected batches",
    86: "debit for ACH debits in rejected batches",
    87: "summary credit for respondent ACH activity",
    88: "summary debit for respondent ACH activity",
}

RETURN_OR_NOC_TRANSACTION_CODES = frozenset({21, 26, 31, 36, 41, 46, 51, 56})


def direction(transaction_code: int) -> Direction:
    """Credit or debit as the control totals count it (receiver's side of the entry)."""
    if transaction_code in ADV_TRANSACTION_CODES:
        return Direction.CREDIT if transaction_code % 2 else Direction.DEBIT
    return Direction.CREDIT if transaction_code % 10 <= 4 else Direction.DEBIT


# Standard Entry Class codes (batch header positions 51-53).
SEC_CODES: dict[str, str] = {
    "ACK": "ACH payment acknowledgment",
    "ADV": "automated accounting advice",
    "ARC": "accounts receivable (check) conversion",
    "ATX": "financial EDI acknowledgment",
    "BOC": "back office (check) conversion",
    "CCD": "corporate credit or debit",
    "CIE": "customer initiated entry",
    "COR": "notification of change or refused NOC",
    "CTX": "corporate trade exchange",
    "DNE": "death notification",
    "ENR": "automated enrollment",
    "IAT": "international ACH transaction",
    "MTE": "machine transfer entry",
    "POP": "point of purchase (check)",
    "POS": "point of sale",
    "PPD": "prearranged payment and deposit",
    "RCK": "re-presented check",
    "SHR": "shared network transaction",
    "TEL": "telephone initiated",
    "TRC": "truncated check",
    "TRX": "truncated checks exchange",
    "WEB": "internet initiated",
    "XCK": "destroyed check",
}

# Corporate SECs whose entry carries an addenda count and a 16-character receiving
# company name (positions 55-58 and 59-74) instead of a 22-character name.
CATX_SEC_CODES = frozenset({"CTX", "ATX", "ENR", "TRX"})
# Check-conversion SECs: positions 40-54 hold the check serial number.
CHECK_SEC_CODES = frozenset({"ARC", "BOC", "POP", "RCK", "XCK"})
# Corporate SECs: a credit in such a batch is a business paying a business.
CORPORATE_SEC_CODES = frozenset({"CCD", "CTX"})

SERVICE_CLASS_CODES: dict[int, str] = {
    200: "mixed debits and credits",
    220: "credits only",
    225: "debits only",
    280: "automated accounting advices",
}

# The R-code and C-code meanings are core.labels' tables (one table, for the parser, the
# workbench and the CLI).
RETURN_CODES: dict[str, str] = labels.RETURN_CODES

# Dishonored returns are sent by the ODFI refusing a return; contested dishonored returns by
# the RDFI answering a dishonor. Both re-use addenda 99 positions 22-79 (see records.py).
# Nacha and moov-io/ach class R70 as a dishonored code (core/records.py's comment says R70-R77
# for contested; the layout of an R70 addenda is the dishonored one).
DISHONORED_RETURN_CODES = frozenset(
    {"R61", "R62", "R63", "R64", "R65", "R66", "R67", "R68", "R69", "R70"}
)
CONTESTED_RETURN_CODES = frozenset({"R71", "R72", "R73", "R74", "R75", "R76", "R77"})

CHANGE_CODES: dict[str, str] = labels.CHANGE_CODES

# Refused NOCs: the ODFI rejects a notification of change. Their addenda 98 layout differs.
REFUSED_CHANGE_CODES: dict[str, str] = {
    "C61": "Misrouted notification of change",
    "C62": "Incorrect trace number",
    "C63": "Incorrect company identification number",
    "C64": "Incorrect individual identification number / identification number",
    "C65": "Incorrectly formatted corrected data",
    "C66": "Incorrect discretionary data",
    "C67": "Routing number not from original entry detail record",
    "C68": "DFI account number not from original entry detail record",
    "C69": "Incorrect transaction code",
}

# Historically assigned change codes no longer in the Rules (accepted, but flagged).
RETIRED_CHANGE_CODES = frozenset({"C10", "C11", "C12"})
