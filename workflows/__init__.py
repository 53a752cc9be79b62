"""The use cases, each owning its transaction (DESIGN.md §2): the runtime wiring, the ingest →
store → match pipeline and the invoice book, cash follow-ups (cash), collections (disputes,
fees, plans, dunning), API keys, read-only reports, scheduled jobs, the outbox, the demo.
Imports everything below it; never api/, ui/ or cli/, which call it."""
