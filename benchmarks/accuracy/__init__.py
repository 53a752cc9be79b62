"""The accuracy benchmark's parts. benchmarks/accuracy_data.py generates the labelled day from
the generator's parts here (labels.py, keys.py, words.py, book.py, payments.py, matchable.py,
unmatchable.py: see accuracy_data's docstring)."""
