# syntax=docker/dockerfile:1
# One image for every role (web, worker, beat, relay, migrate, serve): see docs/running.md.
#   docker build -t modkit .
#   docker run --rm -p 8000:8000 --env-file .env modkit web

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: a virtualenv with the dependencies and the kernel, plus collected static files ----
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

WORKDIR /build
# Dependencies first, from pyproject.toml alone, so code changes reuse this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install -r requirements.txt

COPY README.md ./
COPY src ./src
RUN pip install --no-deps .

WORKDIR /app
COPY manage.py importlinter.ini ./
COPY config ./config
COPY modules ./modules
COPY deploy/docker-entrypoint.sh ./deploy/docker-entrypoint.sh
# Collected with the production settings the image runs; they refuse to load without secrets,
# so this step gets throwaway ones that exist only in its own environment.
RUN DJANGO_SETTINGS_MODULE=config.settings.production STATIC_ROOT=/app/staticfiles \
    MODKIT_VAR_DIR=/tmp/var ALLOWED_HOSTS=localhost \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    MODKIT_RPC_SECRET="$(python -c 'import secrets; print(secrets.token_urlsafe(32))')" \
    python manage.py collectstatic --noinput --verbosity 0

# --- runtime: the virtualenv and the application, run as an unprivileged user -----------------
FROM ${PYTHON_IMAGE} AS runtime

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MODKIT_VAR_DIR=/app/var \
    PORT=8000

RUN groupadd --system --gid 10001 modkit \
    && useradd --system --uid 10001 --gid modkit --home-dir /app --no-create-home --shell /usr/sbin/nologin modkit

COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
WORKDIR /app
RUN mkdir -p /app/var && chown modkit:modkit /app/var

USER 10001:10001
EXPOSE 8000

# Liveness of the web role (and of `serve`); deploy/compose.yaml turns it off for the roles
# without an HTTP port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://localhost:{os.environ.get('PORT', '8000')}/health/live/\", timeout=4)"]

ENTRYPOINT ["/app/deploy/docker-entrypoint.sh"]
CMD ["web"]
