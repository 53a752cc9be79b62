"""remit: api."""
