"""Writers of the labelled accuracy day in every bank file format, and their run
(benchmarks/bench_formats.py): carry.py (what a format keeps of a payment, the evidence
rule), camt.py, bai2.py, lockbox.py, nacha.py, ofx.py (the writers), run.py (ingest, match,
score one format), returns.py (NACHA day 2: returns)."""
