"""Collections on the ledger (issue 5): AR analytics, dunning, late fees, disputes, payment plans.

Same rules as reconcile/: pure calculations where possible, services that never commit.
"""
