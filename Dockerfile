# newsdigest: `docker build -t newsdigest .` then
# `docker run -e TELEGRAM_BOT_TOKEN=… -v newsdigest-data:/app/data newsdigest`.
# Secrets are passed as environment variables at run time, never baked in.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY summarizers ./summarizers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEWSDIGEST_CONFIG=/app/config/default.toml \
    PTB_TIMEDELTA=1
RUN useradd --create-home --uid 10001 newsdigest
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY config ./config
COPY seeds ./seeds
RUN mkdir -p data && chown newsdigest:newsdigest data
USER newsdigest
VOLUME ["/app/data"]
# The web front (NEWSDIGEST_PORT): Slack's requests, Telegram's webhook, /healthz, /metrics.
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s \
    CMD ["newsdigest", "status"]
CMD ["newsdigest", "run"]
