# The project's own services (actions, dashboard, voice bridge, worker, Duckling service)
# on current libraries; one image, one command per container.
FROM python:3.10-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
# The runtime lock only (requirements/app.lock): test tools are in dev.lock, never in the image.
COPY requirements/app.lock requirements/app.lock
RUN pip install --no-cache-dir -r requirements/app.lock
# English Vosk model for STT_ENGINE=vosk (no registry ships one); Whisper needs nothing extra.
# The archive must match its SHA-256, or the build stops. The sum is the one published with
# the 0.15 archive by other projects that pin it; building another model means passing
# both build arguments.
ARG VOSK_MODEL=vosk-model-small-en-us-0.15
ARG VOSK_MODEL_SHA256=30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498
RUN apt-get update && apt-get install -y --no-install-recommends curl unzip \
    && curl -fsSL -o /tmp/vosk.zip "https://alphacephei.com/vosk/models/${VOSK_MODEL}.zip" \
    && echo "${VOSK_MODEL_SHA256}  /tmp/vosk.zip" | sha256sum -c - \
    && mkdir -p /opt/vosk && unzip -q /tmp/vosk.zip -d /opt/vosk && rm /tmp/vosk.zip \
    && apt-get purge -y curl unzip && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
ENV VOSK_MODEL_PATH=/opt/vosk/${VOSK_MODEL}
COPY alembic.ini ./
COPY business business
COPY channels channels
COPY actions actions
COPY dashboard dashboard
COPY voice_bridge voice_bridge
COPY duckling_server duckling_server
COPY data data
# var/spool is shared by the action server and the worker (a compose volume): what callers
# said while the database was down waits there for the worker.
RUN useradd --uid 10001 --create-home app && mkdir -p /app/var/spool && chown -R app /app/var
USER app
