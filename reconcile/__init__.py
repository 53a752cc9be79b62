"""Matching and cash application: the pure engine (payments and open invoices in, decisions with
their explanations out) and the run that writes its decisions once, under locks."""
