"""The held-out corpus of issue 13: run.py checks it, facts.py drafted its figures."""
