"""BAI2 type codes 700-799, loans (balances, payments, disbursement), and 890,
non-monetary information.

One row per code: code, direction (C credit / D debit / - none), level (T status /
S summary / D detail), description; read by core.bai_codes into TYPE_CODES.
"""

ROWS = """
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
