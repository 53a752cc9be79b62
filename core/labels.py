"""Human labels for the codes remit stores: ACH return reasons (R01...) and notifications of
change (C01...), the common ISO 20022 return reasons, the review queue's reasons, how cash
was applied, write-off reasons. One table, read by the parsers (ingest.ach.codes), the
workbench and the CLI, so a code reads the same everywhere.

`label(kind, code)` never fails: an unknown code is shown as itself, tidied ("no_customer"
-> "No customer"), since banks use private codes and new reasons appear before their label.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["return_reason", "change_code", "review_reason", "method", "write_off_reason",
               "payment_status"]

# NACHA return reason codes (Nacha Operating Rules are authoritative; short summaries).
RETURN_CODES: dict[str, str] = {
    "R01": "Insufficient funds",
    "R02": "Account closed",
    "R03": "No account / unable to locate account",
    "R04": "Invalid account number structure",
    "R05": "Unauthorized debit to consumer account using corporate SEC code",
    "R06": "Returned per ODFI's request",
    "R07": "Authorization revoked by customer",
    "R08": "Payment stopped",
    "R09": "Uncollected funds",
    "R10": "Customer advises originator unknown or entry unauthorized/improper",
    "R11": "Entry not in accordance with the terms of the authorization",
    "R12": "Account sold to another DFI",
    "R13": "Invalid ACH routing number",
    "R14": "Representative payee deceased or unable to continue",
    "R15": "Beneficiary or account holder deceased",
    "R16": "Account frozen / entry returned per OFAC instruction",
    "R17": "File record edit criteria / questionable entry",
    "R18": "Improper effective entry date",
    "R19": "Amount field error",
    "R20": "Non-transaction account",
    "R21": "Invalid company identification",
    "R22": "Invalid individual ID number",
    "R23": "Credit entry refused by receiver",
    "R24": "Duplicate entry",
    "R25": "Addenda error",
    "R26": "Mandatory field error",
    "R27": "Trace number error",
    "R28": "Routing number check digit error",
    "R29": "Corporate customer advises not authorized",
    "R30": "RDFI not participant in check truncation program",
    "R31": "Permissible return entry (CCD and CTX only)",
    "R32": "RDFI non-settlement",
    "R33": "Return of XCK entry",
    "R34": "Limited participation DFI",
    "R35": "Return of improper debit entry",
    "R36": "Return of improper credit entry",
    "R37": "Source document presented for payment",
    "R38": "Stop payment on source document",
    "R39": "Improper source document / source document presented",
    "R40": "Return of ENR entry by federal government agency",
    "R41": "Invalid transaction code (ENR)",
    "R42": "Routing number / check digit error (ENR)",
    "R43": "Invalid DFI account number (ENR)",
    "R44": "Invalid individual ID number (ENR)",
    "R45": "Invalid individual name / company name (ENR)",
    "R46": "Invalid representative payee indicator (ENR)",
    "R47": "Duplicate enrollment (ENR)",
    "R50": "State law affecting RCK acceptance",
    "R51": "Item related to RCK entry is ineligible or RCK entry is improper",
    "R52": "Stop payment on item related to RCK entry",
    "R53": "Item and RCK entry presented for payment",
    "R61": "Misrouted return",
    "R62": "Return of erroneous or reversing debit",
    # R63-R66: dishonored-return codes of earlier Nacha rules, folded into R69 (field errors);
    # older ODFI software and archives still carry them.
    "R63": "Incorrect dollar amount (earlier rules; now R69)",
    "R64": "Incorrect individual identification (earlier rules; now R69)",
    "R65": "Incorrect transaction code (earlier rules; now R69)",
    "R66": "Incorrect company identification (earlier rules; now R69)",
    "R67": "Duplicate return",
    "R68": "Untimely return",
    "R69": "Field error(s)",
    "R70": "Permissible return entry not accepted / return not requested by ODFI",
    "R71": "Misrouted dishonored return",
    "R72": "Untimely dishonored return",
    "R73": "Timely original return",
    "R74": "Corrected return",
    "R75": "Return not a duplicate",
    "R76": "No errors found",
    "R77": "Non-acceptance of R62 dishonored return",
    "R80": "IAT entry coding error",
    "R81": "Non-participant in IAT program",
    "R82": "Invalid foreign receiving DFI identification",
    "R83": "Foreign receiving DFI unable to settle",
    "R84": "Entry not processed by gateway",
    "R85": "Incorrectly coded outbound international payment",
}

CHANGE_CODES: dict[str, str] = {
    "C01": "Incorrect DFI account number",
    "C02": "Incorrect routing number",
    "C03": "Incorrect routing number and DFI account number",
    "C04": "Incorrect individual name / receiving company name",
    "C05": "Incorrect transaction code",
    "C06": "Incorrect DFI account number and transaction code",
    "C07": "Incorrect routing number, DFI account number and transaction code",
    "C08": "Incorrect receiving DFI identification (IAT only)",
    "C09": "Incorrect individual identification number",
    "C13": "Addenda format error",
    "C14": "Incorrect SEC code for outbound international payment",
}

# ISO 20022 external return reason codes seen on camt returns (ExternalReturnReason1Code).
ISO_RETURN_REASONS: dict[str, str] = {
    "AC01": "Incorrect account number",
    "AC04": "Closed account",
    "AC06": "Blocked account",
    "AG01": "Transaction forbidden on this account",
    "AM04": "Insufficient funds",
    "AM05": "Duplicate payment",
    "BE05": "Unrecognised initiating party",
    "CUST": "Requested by customer",
    "DUPL": "Duplicate payment",
    "FOCR": "Return after a cancellation request",
    "MD01": "No mandate",
    "MD06": "Refund requested by the debtor",
    "MD07": "Debtor deceased",
    "MS02": "Reason not specified (by the debtor)",
    "MS03": "Reason not specified (by the agent)",
    "RC01": "Incorrect bank identifier",
    "RR04": "Regulatory reason",
    "SL01": "Specific service offered by the debtor agent",
}

REVIEW_REASONS: dict[str, str] = {
    "no_customer": "No customer identified",
    "ambiguous": "Ambiguous: two candidates too close",
    "low_confidence": "Low confidence",
    "unknown_reference": "Unknown reference",
    "short_pay": "Short payment",
    "over_payment": "Over-payment",
    "partial_payment": "Partial payment",
    "discount_expired": "Discount expired",
    "duplicate_payment": "Duplicate payment",
    "currency_mismatch": "Currency mismatch",
    "nothing_open": "Nothing open for the customer",
    "returned_payment": "Returned payment",
    "no_amount": "No amount from the bank",
    "manual_unapply": "Unapplied by hand",
    "batch_out_of_balance": "Batch out of balance",
    "advice_mismatch": "Remittance advice does not add up",
}

METHODS: dict[str, str] = {
    "auto": "Automatic",
    "manual": "By hand",
    "plan": "Payment plan",
}

WRITE_OFF_REASONS: dict[str, str] = {
    "bank_charges": "Bank charges",
    "short_pay": "Short payment",
    "small_balance": "Small balance",
    "deduction": "Customer deduction (kept open as a dispute)",
    "dispute": "Dispute",
    "late_discount": "Discount taken late",
    "manual": "Written off by hand",
    "other": "Other",
}

PAYMENT_STATUSES: dict[str, str] = {
    "matched": "Matched",
    "partially_applied": "Partially applied",
    "review": "In review",
    "returned": "Returned",
    "unmatched": "Unmatched",
    "ignored": "Dismissed",
}

_TABLES: dict[str, tuple[dict[str, str], ...]] = {
    "return_reason": (RETURN_CODES, ISO_RETURN_REASONS),
    "change_code": (CHANGE_CODES,),
    "review_reason": (REVIEW_REASONS,),
    "method": (METHODS,),
    "write_off_reason": (WRITE_OFF_REASONS,),
    "payment_status": (PAYMENT_STATUSES,),
}

# Codes shown with their meaning ("R01 Insufficient funds"): a bank code is what people search.
_CODED = frozenset({"return_reason", "change_code"})


def tidy(code: str) -> str:
    """A code people have no label for, readable: "no_customer" -> "No customer"."""
    return code.replace("_", " ").strip().capitalize()


def label(kind: Kind, code: str | None) -> str:
    """The human label of `code` (empty for None); an unknown code is shown as itself."""
    if not code:
        return ""
    for table in _TABLES[kind]:
        meaning = table.get(code) or table.get(code.upper())
        if meaning:
            return f"{code.upper()} {meaning}" if kind in _CODED else meaning
    return code if kind in _CODED else tidy(code)


def choices(kind: Kind) -> list[tuple[str, str]]:
    """(code, label) of every known code of `kind`, in the table's order (for select boxes)."""
    return [(code, label(kind, code)) for table in _TABLES[kind] for code in table]
