"""The accuracy benchmark's parts. benchmarks/accuracy_data.py generates the labelled day and
benchmarks/bench_accuracy.py scores the engines on it; here: the generator's parts (labels.py,
keys.py, words.py, book.py, payments.py, matchable.py, unmatchable.py: see accuracy_data's
docstring), scoring.py (decisions against labels) and report.py (the scenario table and the
examples file)."""
