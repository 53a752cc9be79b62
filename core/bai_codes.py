"""BAI2 type codes: direction, level, description, and remit's cash-application view of them.

The code list is the BAI "Cash Management Balance Reporting Specifications" (version 2,
2005) Appendix A, as tabulated by github.com/ministryofjustice/bai2 (bai2/constants.py,
MIT) and github.com/moov-io/bai2 (pkg/bai2/type_codes.go, Apache-2.0). Codes outside the
table are classified by the spec's ranges (`classify`): 001-099 and 900-919 status,
100-399 and 920-959 credit, 400-699 and 960-999 debit, 700-799 loan, 890 non-monetary.

On top of the spec, three remit decisions live here so they can be reviewed in one place:
`kind_of` (wire/ach/check/lockbox/card/other), `RETURN_CODES` (entries that undo an earlier
payment and get `reversal=True` + return info) and `is_custom` (900-999, bank-defined).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.digits import is_ascii_digits
from core.records import Direction, Kind


class Level(StrEnum):
    STATUS = "status"  # a balance or float figure (03 only): becomes a Balance
    SUMMARY = "summary"  # an activity total (03), sometimes also used on a 16
    DETAIL = "detail"  # a transaction (16)


@dataclass(frozen=True, slots=True)
class TypeCode:
    code: str
    direction: Direction | None  # None: status, loan or non-monetary codes
    level: Level
    description: str


# code, direction (C credit / D debit / - none), level (T status / S summary / D detail), text
_TABLE = """
010 - T Opening Ledger
011 - T Average Opening Ledger MTD
012 - T Average Opening Ledger YTD
015 - T Closing Ledger
020 - T Average Closing Ledger MTD
021 - T Average Closing Ledger - Previous Month
022 - T Aggregate Balance Adjustments
024 - T Average Closing Ledger YTD - Previous Month
025 - T Average Closing Ledger YTD
030 - T Current Ledger
037 - T ACH Net Position
039 - T Opening Available + Total Same-Day ACH DTC Deposit
040 - T Opening Available
041 - T Average Opening Available MTD
042 - T Average Opening Available YTD
043 - T Average Available - Previous Month
044 - T Disbursing Opening Available Balance
045 - T Closing Available
050 - T Average Closing Available MTD
051 - T Average Closing Available - Last Month
054 - T Average Closing Available YTD - Last Month
055 - T Average Closing Available YTD
056 - T Loan Balance
057 - T Total Investment Position
059 - T Current Available (CRS Suppressed)
060 - T Current Available
061 - T Average Current Available MTD
062 - T Average Current Available YTD
063 - T Total Float
065 - T Target Balance
066 - T Adjusted Balance
067 - T Adjusted Balance MTD
068 - T Adjusted Balance YTD
070 - T 0-Day Float
072 - T 1-Day Float
073 - T Float Adjustment
074 - T 2 or More Days Float
075 - T 3 or More Days Float
076 - T Adjustment to Balances
077 - T Average Adjustment to Balances MTD
078 - T Average Adjustment to Balances YTD
079 - T 4-Day Float
080 - T 5-Day Float
081 - T 6-Day Float
082 - T Average 1-Day Float MTD
083 - T Average 1-Day Float YTD
084 - T Average 2-Day Float MTD
085 - T Average 2-Day Float YTD
086 - T Transfer Calculation
100 C S Total Credits
101 C S Total Credit Amount MTD
105 C S Credits Not Detailed
106 C S Deposits Subject to Float
107 C S Total Adjustment Credits YTD
108 C D Credit (Any Type)
109 C S Current Day Total Lockbox Deposits
110 C S Total Lockbox Deposits
115 C D Lockbox Deposit
116 C D Item in Lockbox Deposit
118 C D Lockbox Adjustment Credit
120 C S EDI Transaction Credits
121 C D EDI Transaction Credit
122 C D EDIBANX Credit Received
123 C D EDIBANX Credit Return
130 C S Total Concentration Credits
131 C S Total DTC Credits
135 C D DTC Concentration Credit
136 C D Item in DTC Deposit
140 C S Total ACH Credits
142 C D ACH Credit Received
143 C D Item in ACH Deposit
145 C D ACH Concentration Credit
146 C S Total Bank Card Deposits
147 C D Individual Bank Card Deposit
150 C S Total Preauthorized Payment Credits
155 C D Preauthorized Draft Credit
156 C D Item in PAC Deposit
160 C S Total ACH Disbursing Funding Credits
162 C S Corporate Trade Payment Settlement
163 C S Corporate Trade Payment Credits
164 C D Corporate Trade Payment Credit
165 C D Preauthorized ACH Credit
166 C D ACH Settlement
167 C S ACH Settlement Credits
168 C S ACH Return Item or Adjustment Settlement
169 C D Miscellaneous ACH Credit
170 C S Total Other Check Deposits
171 C D Individual Loan Deposit
172 C D Deposit Correction
173 C D Bank-Prepared Deposit
174 C D Other Deposit
175 C D Check Deposit Package
176 C D Re-presented Check Deposit
178 C S List Post Credits
180 C S Total Loan Proceeds
182 C S Total Bank-Prepared Deposits
184 C D Draft Deposit
185 C S Total Miscellaneous Deposits
186 C S Total Cash Letter Credits
187 C D Cash Letter Credit
188 C S Total Cash Letter Adjustments
189 C D Cash Letter Adjustment
190 C S Total Incoming Money Transfers
191 C D Individual Incoming Internal Money Transfer
195 C D Incoming Money Transfer
196 C D Money Transfer Adjustment
198 C D Compensation
200 C S Total Automatic Transfer Credits
201 C D Individual Automatic Transfer Credit
202 C D Bond Operations Credit
205 C S Total Book Transfer Credits
206 C D Book Transfer Credit
207 C S Total International Money Transfer Credits
208 C D Individual International Money Transfer Credit
210 C S Total International Credits
212 C D Foreign Letter of Credit
213 C D Letter of Credit
214 C D Foreign Exchange of Credit
215 C S Total Letters of Credit
216 C D Foreign Remittance Credit
218 C D Foreign Collection Credit
221 C D Foreign Check Purchase
222 C D Foreign Checks Deposited
224 C D Commission
226 C D International Money Market Trading
227 C D Standing Order
229 C D Miscellaneous International Credit
230 C S Total Security Credits
231 C S Total Collection Credits
232 C D Sale of Debt Security
233 C D Securities Sold
234 C D Sale of Equity Security
235 C D Matured Reverse Repurchase Order
236 C D Maturity of Debt Security
237 C D Individual Collection Credit
238 C D Collection of Dividends
239 C S Total Bankers' Acceptance Credits
240 C D Coupon Collections - Banks
241 C D Bankers' Acceptances
242 C D Collection of Interest Income
243 C D Matured Fed Funds Purchased
244 C D Interest/Matured Principal Payment
245 C S Monthly Dividends
246 C D Commercial Paper
247 C D Capital Change
248 C D Savings Bonds Sales Adjustment
249 C D Miscellaneous Security Credit
250 C S Total Checks Posted and Returned
251 C S Total Debit Reversals
252 C D Debit Reversal
254 C D Posting Error Correction Credit
255 C D Check Posted and Returned
256 C S Total ACH Return Items
257 C D Individual ACH Return Item
258 C D ACH Reversal Credit
260 C S Total Rejected Credits
261 C D Individual Rejected Credit
263 C D Overdraft
266 C D Return Item
268 C D Return Item Adjustment
270 C S Total ZBA Credits
271 C S Net Zero-Balance Amount
274 C D Cumulative ZBA or Disbursement Credits
275 C D ZBA Credit
276 C D ZBA Float Adjustment
277 C D ZBA Credit Transfer
278 C D ZBA Credit Adjustment
280 C S Total Controlled Disbursing Credits
281 C D Individual Controlled Disbursing Credit
285 C S Total DTC Disbursing Credits
286 C D Individual DTC Disbursing Credit
294 C S Total ATM Credits
295 C D ATM Credit
301 C D Commercial Deposit
302 C S Correspondent Bank Deposit
303 C S Total Wire Transfers In - FF
304 C S Total Wire Transfers In - CHF
305 C S Total Fed Funds Sold
306 C D Fed Funds Sold
307 C S Total Trust Credits
308 C D Trust Credit
309 C S Total Value-Dated Funds
310 C S Total Commercial Deposits
315 C S Total International Credits - FF
316 C S Total International Credits - CHF
318 C S Total Foreign Check Purchased
319 C S Late Deposit
320 C S Total Securities Sold - FF
321 C S Total Securities Sold - CHF
324 C S Total Securities Matured - FF
325 C S Total Securities Matured - CHF
326 C S Total Securities Interest
327 C S Total Securities Matured
328 C S Total Securities Interest - FF
329 C S Total Securities Interest - CHF
330 C S Total Escrow Credits
331 C D Individual Escrow Credit
332 C S Total Miscellaneous Securities Credits - FF
336 C S Total Miscellaneous Securities Credits - CHF
338 C S Total Securities Sold
340 C S Total Broker Deposits
341 C S Total Broker Deposits - FF
342 C D Broker Deposit
343 C S Total Broker Deposits - CHF
344 C D Individual Back Value Credit
345 C D Item in Brokers Deposit
346 C D Sweep Interest Income
347 C D Sweep Principal Sell
348 C D Futures Credit
349 C D Principal Payments Credit
350 C S Investment Sold
351 C D Individual Investment Sold
352 C S Total Cash Center Credits
353 C D Cash Center Credit
354 C D Interest Credit
355 C S Investment Interest
356 C S Total Credit Adjustment
357 C D Credit Adjustment
358 C D YTD Adjustment Credit
359 C D Interest Adjustment Credit
360 C S Total Credits Less Wire Transfer and Returned Checks
361 C S Grand Total Credits Less Grand Total Debits
362 C D Correspondent Collection
363 C D Correspondent Collection Adjustment
364 C D Loan Participation
366 C D Currency and Coin Deposited
367 C D Food Stamp Letter
368 C D Food Stamp Adjustment
369 C D Clearing Settlement Credit
370 C S Total Back Value Credits
372 C D Back Value Adjustment
373 C D Customer Payroll
374 C D FRB Statement Recap
376 C D Savings Bond Letter or Adjustment
377 C D Treasury Tax and Loan Credit
378 C D Transfer of Treasury Credit
379 C D FRB Government Checks Cash Letter Credit
381 C D FRB Government Check Adjustment
382 C D FRB Postal Money Order Credit
383 C D FRB Postal Money Order Adjustment
384 C D FRB Cash Letter Auto Charge Credit
385 C S Total Universal Credits
386 C D FRB Cash Letter Auto Charge Adjustment
387 C D FRB Fine-Sort Cash Letter Credit
388 C D FRB Fine-Sort Adjustment
389 C S Total Freight Payment Credits
390 C S Total Miscellaneous Credits
391 C D Universal Credit
392 C D Freight Payment Credit
393 C D Itemized Credit Over $10,000
394 C D Cumulative Credits
395 C D Check Reversal
397 C D Float Adjustment
398 C D Miscellaneous Fee Refund
399 C D Miscellaneous Credit
400 D S Total Debits
401 D S Total Debit Amount MTD
403 D S Today's Total Debits
405 D S Total Debit Less Wire Transfers and Charge-Backs
406 D S Debits not Detailed
408 D D Float Adjustment
409 D D Debit (Any Type)
410 D S Total YTD Adjustment
412 D S Total Debits (Excluding Returned Items)
415 D D Lockbox Debit
416 D S Total Lockbox Debits
420 D S EDI Transaction Debits
421 D D EDI Transaction Debit
422 D D EDIBANX Settlement Debit
423 D D EDIBANX Return Item Debit
430 D S Total Payable-Through Drafts
435 D D Payable-Through Draft
445 D D ACH Concentration Debit
446 D S Total ACH Disbursement Funding Debits
447 D D ACH Disbursement Funding Debit
450 D S Total ACH Debits
451 D D ACH Debit Received
452 D D Item in ACH Disbursement or Debit
455 D D Preauthorized ACH Debit
462 D D Account Holder Initiated ACH Debit
463 D S Corporate Trade Payment Debits
464 D D Corporate Trade Payment Debit
465 D S Corporate Trade Payment Settlement
466 D D ACH Settlement
467 D S ACH Settlement Debits
468 D D ACH Return Item or Adjustment Settlement
469 D D Miscellaneous ACH Debit
470 D S Total Check Paid
471 D S Total Check Paid - Cumulative MTD
472 D D Cumulative Checks Paid
474 D D Certified Check Debit
475 D D Check Paid
476 D D Federal Reserve Bank Letter Debit
477 D D Bank Originated Debit
478 D S List Post Debits
479 D D List Post Debit
480 D S Total Loan Payments
481 D D Individual Loan Payment
482 D S Total Bank-Originated Debits
484 D D Draft
485 D D DTC Debit
486 D S Total Cash Letter Debits
487 D D Cash Letter Debit
489 D D Cash Letter Adjustment
490 D S Total Outgoing Money Transfers
491 D D Individual Outgoing Internal Money Transfer
493 D D Customer Terminal Initiated Money Transfer
495 D D Outgoing Money Transfer
496 D D Money Transfer Adjustment
498 D D Compensation
500 D S Total Automatic Transfer Debits
501 D D Individual Automatic Transfer Debit
502 D D Bond Operations Debit
505 D S Total Book Transfer Debits
506 D D Book Transfer Debit
507 D S Total International Money Transfer Debits
508 D D Individual International Money Transfer Debits
510 D S Total International Debits
512 D D Letter of Credit Debit
513 D D Letter of Credit
514 D D Foreign Exchange Debit
515 D S Total Letters of Credit
516 D D Foreign Remittance Debit
518 D D Foreign Collection Debit
522 D D Foreign Checks Paid
524 D D Commission
526 D D International Money Market Trading
527 D D Standing Order
529 D D Miscellaneous International Debit
530 D S Total Security Debits
531 D D Securities Purchased
532 D S Total Amount of Securities Purchased
533 D D Security Collection Debit
534 D S Total Miscellaneous Securities DB - FF
535 D D Purchase of Equity Securities
536 D S Total Miscellaneous Securities Debit - CHF
537 D S Total Collection Debit
538 D D Matured Repurchase Order
539 D S Total Bankers' Acceptances Debit
540 D D Coupon Collection Debit
541 D D Bankers' Acceptances
542 D D Purchase of Debt Securities
543 D D Domestic Collection
544 D D Interest/Matured Principal Payment
546 D D Commercial Paper
547 D D Capital Change
548 D D Savings Bonds Sales Adjustment
549 D D Miscellaneous Security Debit
550 D S Total Deposited Items Returned
551 D S Total Credit Reversals
552 D D Credit Reversal
554 D D Posting Error Correction Debit
555 D D Deposited Item Returned
556 D S Total ACH Return Items
557 D D Individual ACH Return Item
558 D D ACH Reversal Debit
560 D S Total Rejected Debits
561 D D Individual Rejected Debit
563 D D Overdraft
564 D D Overdraft Fee
566 D D Return Item
567 D D Return Item Fee
568 D D Return Item Adjustment
570 D S Total ZBA Debits
574 D D Cumulative ZBA Debits
575 D D ZBA Debit
577 D D ZBA Debit Transfer
578 D D ZBA Debit Adjustment
580 D S Total Controlled Disbursing Debits
581 D D Individual Controlled Disbursing Debit
583 D S Total Disbursing Checks Paid - Early Amount
584 D S Total Disbursing Checks Paid - Later Amount
585 D S Disbursing Funding Requirement
586 D S FRB Presentment Estimate (Fed Estimate)
587 D S Late Debits (After Notification)
588 D S Total Disbursing Checks Paid - Last Amount
590 D S Total DTC Debits
594 D S Total ATM Debits
595 D D ATM Debit
596 D S Total ARP Debits
597 D D ARP Debit
601 D S Estimated Total Disbursement
602 D S Adjusted Total Disbursement
610 D S Total Funds Required
611 D S Total Wire Transfers Out - CHF
612 D S Total Wire Transfers Out - FF
613 D S Total International Debit - CHF
614 D S Total International Debit - FF
615 D S Total Federal Reserve Bank - Commercial Bank Debit
616 D D Federal Reserve Bank - Commercial Bank Debit
617 D S Total Securities Purchased - CHF
618 D S Total Securities Purchased - FF
621 D S Total Broker Debits - CHF
622 D D Broker Debit
623 D S Total Broker Debits - FF
625 D S Total Broker Debits
626 D S Total Fed Funds Purchased
627 D D Fed Funds Purchased
628 D S Total Cash Center Debits
629 D D Cash Center Debit
630 D S Total Debit Adjustments
631 D D Debit Adjustment
632 D S Total Trust Debits
633 D D Trust Debit
634 D D YTD Adjustment Debit
640 D S Total Escrow Debits
641 D D Individual Escrow Debit
644 D D Individual Back Value Debit
646 D S Transfer Calculation Debit
650 D S Investments Purchased
651 D D Individual Investment Purchased
654 D D Interest Debit
655 D S Total Investment Interest Debits
656 D D Sweep Principal Buy
657 D D Futures Debit
658 D D Principal Payments Debit
659 D D Interest Adjustment Debit
661 D D Account Analysis Fee
662 D D Correspondent Collection Debit
663 D D Correspondent Collection Adjustment
664 D D Loan Participation
665 D S Intercept Debits
666 D D Currency and Coin Shipped
667 D D Food Stamp Letter
668 D D Food Stamp Adjustment
669 D D Clearing Settlement Debit
670 D S Total Back Value Debits
672 D D Back Value Adjustment
673 D D Customer Payroll
674 D D FRB Statement Recap
676 D D Savings Bond Letter or Adjustment
677 D D Treasury Tax and Loan Debit
678 D D Transfer of Treasury Debit
679 D D FRB Government Checks Cash Letter Debit
681 D D FRB Government Check Adjustment
682 D D FRB Postal Money Order Debit
683 D D FRB Postal Money Order Adjustment
684 D D FRB Cash Letter Auto Charge Debit
685 D S Total Universal Debits
686 D D FRB Cash Letter Auto Charge Adjustment
687 D D FRB Fine-Sort Cash Letter Debit
688 D D FRB Fine-Sort Adjustment
689 D S FRB Freight Payment Debits
690 D S Total Miscellaneous Debits
691 D D Universal Debit
692 D D Freight Payment Debit
693 D D Itemized Debit Over $10,000
694 D D Deposit Reversal
695 D D Deposit Correction Debit
696 D D Regular Collection Debit
697 D D Cumulative Debits
698 D D Miscellaneous Fees
699 D D Miscellaneous Debit
701 - T Principal Loan Balance
703 - T Available Commitment Amount
705 - T Payment Amount Due
707 - T Principal Amount Past Due
709 - T Interest Amount Past Due
720 C S Total Loan Payment
721 C D Amount Applied to Interest
722 C D Amount Applied to Principal
723 C D Amount Applied to Escrow
724 C D Amount Applied to Late Charges
725 C D Amount Applied to Buydown
726 C D Amount Applied to Misc. Fees
727 C D Amount Applied to Deferred Interest Detail
728 C D Amount Applied to Service Charge
760 D S Loan Disbursement
890 - D Contains Non-monetary Information
"""

_DIRECTIONS = {"C": Direction.CREDIT, "D": Direction.DEBIT, "-": None}
_LEVELS = {"T": Level.STATUS, "S": Level.SUMMARY, "D": Level.DETAIL}


def _load(table: str) -> dict[str, TypeCode]:
    codes: dict[str, TypeCode] = {}
    for row in table.strip().splitlines():
        code, direction, level, description = row.split(" ", 3)
        codes[code] = TypeCode(code, _DIRECTIONS[direction], _LEVELS[level], description)
    return codes


TYPE_CODES: dict[str, TypeCode] = _load(_TABLE)

NON_MONETARY = "890"


def _three_digits(code: str) -> bool:
    return len(code) == 3 and is_ascii_digits(code)  # never '²' or '١'


def is_custom(code: str) -> bool:
    """900-999 are bank-defined: their meaning comes from the bank, not the spec."""
    return _three_digits(code) and code >= "900"


def classify(code: str) -> TypeCode | None:
    """The table entry, or a range-based classification; None for a malformed code."""
    if code in TYPE_CODES:
        return TYPE_CODES[code]
    if not _three_digits(code):
        return None
    n = int(code)
    if n <= 99 or 900 <= n <= 919:
        return TypeCode(code, None, Level.STATUS, "Custom status" if n >= 900 else "Status")
    custom = "Custom " if n >= 900 else ""
    if 100 <= n <= 399 or 920 <= n <= 959:
        return TypeCode(code, Direction.CREDIT, Level.DETAIL, f"{custom}credit")
    if 400 <= n <= 699 or n >= 960:
        return TypeCode(code, Direction.DEBIT, Level.DETAIL, f"{custom}debit")
    return TypeCode(code, None, Level.DETAIL, "Loan or non-monetary")  # 700-899


def is_balance(code: str) -> bool:
    """Status codes (balances, float) become Statement balances; activity totals do not."""
    found = classify(code)
    return found is not None and found.level is Level.STATUS


# Entries that undo an earlier payment: reversal=True and Transaction.return_info.
# The lists of bai2/samples/SOURCES.md (252 257 258 261 266 / 555 557 558 561) plus the
# codes whose spec description says the same thing: 123/423 EDIBANX returns, 255 check
# posted and returned, 395 check reversal, 552 credit reversal, 566 return item,
# 694 deposit reversal. Fees about returns (567) and adjustments (268/568) are not returns.
RETURN_CODES: frozenset[str] = frozenset(
    "123 252 255 257 258 261 266 395 423 552 555 557 558 561 566 694".split()
)

# remit's payment-rail view of the detail codes; anything not listed is Kind.OTHER.
_KINDS: dict[Kind, str] = {
    Kind.LOCKBOX: "109 110 115 116 118 415 416",
    Kind.ACH: (
        "140 142 143 145 160 162 163 164 165 166 167 168 169 256 257 258 260 261 "
        "445 446 447 450 451 452 455 462 463 464 465 466 467 468 469 556 557 558 560 561"
    ),
    Kind.WIRE: (
        "190 191 195 196 205 206 207 208 303 304 490 491 493 495 496 505 506 507 508 611 612"
    ),
    Kind.CHECK: "170 175 176 222 250 255 395 470 471 472 474 475 522 550 555",
    Kind.CARD: "146 147",
}
KIND_OF: dict[str, Kind] = {code: kind for kind, codes in _KINDS.items() for code in codes.split()}


def kind_of(code: str) -> Kind:
    return KIND_OF.get(code, Kind.OTHER)


def description(code: str) -> str:
    found = classify(code)
    return found.description if found else f"type code {code}"
