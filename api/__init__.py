"""The REST API under /api/v1 (DESIGN.md §6): a router per resource, response schemas, key auth
by scope, and one handler that answers domain errors as problems."""
