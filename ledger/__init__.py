"""remit: ledger."""
