# remit: API + UI + scheduled jobs. All configuration is REMIT_* environment (README
# "Configuration"); the database comes from REMIT_DATABASE_URL (PostgreSQL in production).
#   docker build -t remit . && docker run -p 8000:8000 -e REMIT_DATABASE_URL=... remit
# The same image runs the jobs alone: docker run ... remit remit worker
# compose.yaml runs it with PostgreSQL. tests/test_image.py checks every package of the wheel
# is copied below (and builds the image where a Docker daemon answers).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REMIT_ARCHIVE_DIR=/var/lib/remit/archive REMIT_INBOX_DIR=/var/lib/remit/inbox \
    REMIT_SFTP_WORKDIR=/var/lib/remit/sftp \
    REMIT_DATABASE_URL=sqlite:////var/lib/remit/remit.db
# Without REMIT_DATABASE_URL the default (sqlite:///remit.db) would sit in /app, which the
# non-root user cannot write: the embedded database lives on the volume instead.

WORKDIR /app
COPY pyproject.toml README.md ./
COPY core core
COPY iso20022 iso20022
COPY ingest ingest
COPY ledger ledger
COPY reconcile reconcile
COPY receivables receivables
COPY workflows workflows
COPY web web
COPY api api
COPY ui ui
COPY cli cli
COPY server server
COPY fixtures fixtures
# A numeric uid: Kubernetes' runAsNonRoot can only verify a numeric USER.
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/remit --shell /usr/sbin/nologin remit \
    && mkdir -p /var/lib/remit/archive /var/lib/remit/inbox /var/lib/remit/sftp \
    && chown -R 10001 /var/lib/remit

USER 10001
VOLUME ["/var/lib/remit"]
EXPOSE 8000
# Liveness and database reachability; urlopen raises (exit 1) on anything but a 2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD \
    ["python", "-c", \
     "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# Exec form: remit is PID 1 and gets SIGTERM (uvicorn shuts down gracefully).
CMD ["remit", "serve", "--host", "0.0.0.0", "--port", "8000"]
