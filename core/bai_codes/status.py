"""BAI2 type codes 001-099: status codes (balances and float), reported on 03 records.

One row per code: code, direction (C credit / D debit / - none), level (T status /
S summary / D detail), description; read by core.bai_codes into TYPE_CODES.
"""

ROWS = """
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
"""
