# remit: API + UI + scheduler. The database comes from REMIT_DATABASE_URL (PostgreSQL in production).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    REMIT_ARCHIVE_DIR=/var/lib/remit/archive REMIT_INBOX_DIR=/var/lib/remit/inbox

WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY iso20022 iso20022
COPY ingest ingest
COPY ledger ledger
COPY reconcile reconcile
COPY api api
COPY fixtures fixtures
RUN pip install --no-cache-dir . \
    && useradd --system --home /var/lib/remit remit \
    && mkdir -p /var/lib/remit/archive /var/lib/remit/inbox \
    && chown -R remit /var/lib/remit

USER remit
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["remit", "serve", "--host", "0.0.0.0", "--port", "8000"]
