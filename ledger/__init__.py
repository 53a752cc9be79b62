"""The ledger: SQLAlchemy models, Alembic migrations, repositories, the audit trail and the
invoice events outbox rows."""
