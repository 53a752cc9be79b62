"""remit: reconcile."""
