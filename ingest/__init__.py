"""remit: ingest."""
