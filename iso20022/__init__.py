"""remit: iso20022."""
