"""Conversations stay out of the logs: the redaction filter removes tracker dumps, message
text, slot values, SQL parameters, numbers and emails and keeps the error; Rasa's logging
file (rasa_project/logging.yml) loads with Python's logging.config and with Rasa's own
loader, and a failing custom action no longer writes the tracker into Rasa's log."""
from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import subprocess
import sys
import textwrap

import pytest
import yaml

from business.log_redaction import REDACTED, RedactConversationData, redact, redact_message
from business.settings import ROOT

RASA_PROJECT = ROOT / "rasa_project"
RASA_PYTHON = ROOT / ".venvs" / "rasa" / "bin" / "python"
SECRETS = ["Jessica", "Miller", "1420 Lake Shore", "5550199", "jessica@example.com", "leaking"]
# What rasa_sdk answers when an action raises: the error and the whole request, tracker included.
SDK_500_BODY = json.dumps({"error": "division by zero", "request_body": {
    "next_action": "action_book_appointment", "sender_id": "sms:+13125550199",
    "tracker": {"sender_id": "sms:+13125550199", "slots": {"customer_name": "Jessica Miller",
                                                           "address": "1420 Lake Shore Drive"},
                "latest_message": {"text": "my faucet is leaking", "intent": {"name": "book_appointment"}},
                "events": [{"event": "user", "text": "hi this is Jessica Miller, jessica@example.com"}]}}})


def assert_clean(output: str) -> None:
    for secret in SECRETS:
        assert secret not in output


def action_failure() -> BaseException:
    """The exception Rasa's processor logs when an action fails, built the way Rasa builds
    it: RasaException raised from ClientResponseError("500, reason, body='...'")."""
    try:
        try:
            raise ConnectionError(f"500, Internal Server Error, body='{SDK_500_BODY}'")
        except ConnectionError as exc:
            raise RuntimeError("Failed to execute custom action 'action_book_appointment'") from exc
    except RuntimeError as exc:
        return exc


def format_through_filter(record: logging.LogRecord) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactConversationData())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s - %(message)s"))
    handler.handle(record)
    return stream.getvalue()


def test_a_failed_action_keeps_its_error_and_loses_the_tracker():
    error = action_failure()
    record = logging.LogRecord("rasa.core.processor", logging.ERROR, __file__, 1,
                               "Encountered an exception while running action '%s'.", ("action_book_appointment",),
                               (type(error), error, error.__traceback__))
    output = format_through_filter(record)
    assert output.startswith("ERROR rasa.core.processor - Encountered an exception while running action "
                             "'action_book_appointment'.\nTraceback")
    assert "RuntimeError: Failed to execute custom action 'action_book_appointment'" in output
    assert "ConnectionError: 500, Internal Server Error, body=" in output and REDACTED in output
    assert_clean(output)


@pytest.mark.parametrize("dump", [
    SDK_500_BODY,
    repr(json.loads(SDK_500_BODY)),  # a Python dict in an f-string
    "tracker " + SDK_500_BODY[:120],  # cut off half-way
    "processor.message.parse parse_data_text='hi this is Jessica Miller' parse_data_intent={'name': 'inform'}",
    "The execution of 'action_extract_slots' resulted in these events: SlotSet(key: customer_name, value: Jessica Miller).",
    "(psycopg2.errors.DataError) value too long\n[SQL: INSERT INTO transcript_turns (text) VALUES (%(text)s)]\n"
    "[parameters: {'text': 'hi this is Jessica Miller'}]",
    "Circuit breaker tripped for sender 'sms:+13125550199', call back (312) 555-0199 or jessica@example.com",
])
def test_tracker_looking_payloads_are_redacted(dump):
    assert_clean(redact(dump))


def test_a_structlog_json_line_keeps_its_event_and_loses_its_text():
    line = json.dumps({"text": "hi this is Jessica Miller", "event": "rest.message.received.failure", "level": "error",
                       "exception": [{"exc_type": "RasaException", "exc_value": f"body='{SDK_500_BODY}'",
                                      "frames": [{"name": "handle", "locals": {"message": "Jessica"}}]}]})
    redacted = json.loads(redact_message(line))
    assert (redacted["event"], redacted["level"], redacted["text"]) == ("rest.message.received.failure", "error", REDACTED)
    assert redacted["exception"][0]["exc_type"] == "RasaException"
    assert_clean(json.dumps(redacted))


@pytest.mark.parametrize("message", [
    "Starting Rasa server on http://0.0.0.0:5005",
    "Failed to run custom action 'action_book_appointment'. Couldn't connect to the server at "
    "'http://127.0.0.1:5055/webhook'. Is the server running? Error: Cannot connect to host 127.0.0.1:5055",
    "job transcripts failed; retrying in 0.5s",
])
def test_ordinary_messages_are_left_alone(message):
    assert redact_message(message) == message


def test_the_config_loads_with_logging_config_and_filters_rasa_loggers():
    # In a child process, so this test's logging set-up is not changed.
    script = textwrap.dedent("""
        import logging, logging.config, sys, yaml
        from tests.business.test_log_redaction import action_failure
        logging.config.dictConfig(yaml.safe_load(open("rasa_project/logging.yml")))
        logging.getLogger("rasa").setLevel(logging.DEBUG)
        error = action_failure()
        logging.getLogger("rasa.core.processor").error("Encountered an exception", exc_info=error)
        logging.getLogger("rasa.core.processor").debug("Received user message 'hi this is Jessica Miller'")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert "ERROR    rasa.core.processor  - Encountered an exception" in result.stderr
    assert "body=" + REDACTED in result.stderr and "Received user message" not in result.stderr
    assert_clean(result.stdout + result.stderr)
    config = yaml.safe_load((RASA_PROJECT / "logging.yml").read_text())
    assert config["loggers"]["rasa"]["propagate"] is False


def test_rasa_applies_the_file_and_a_failing_action_leaves_no_tracker_in_its_log():
    # Rasa's own start-up sequence (rasa/__main__.py): its loader, which ignores a file it
    # cannot apply without a word, then coloredlogs and structlog; then the records a
    # failing action produces, with Rasa's own exception classes.
    script = textwrap.dedent(f"""
        import logging
        import rasa.utils.common, rasa.utils.io, rasa.utils.log_utils
        rasa.utils.common.configure_logging_and_warnings(None, "logging.yml", warn_only_once=True,
                                                         filter_repeated_logs=True)
        rasa.utils.io.configure_colored_logging(None)
        rasa.utils.log_utils.configure_structlog(None)
        import structlog
        from rasa.shared.exceptions import RasaException
        from rasa.utils.endpoints import ClientResponseError
        try:
            try:
                raise ClientResponseError(500, "Internal Server Error", {SDK_500_BODY!r})
            except ClientResponseError as exc:
                raise RasaException("Failed to execute custom action 'action_book_appointment'") from exc
        except RasaException:
            logging.getLogger("rasa.core.processor").exception(
                "Encountered an exception while running action 'action_book_appointment'.")
        try:
            raise ValueError("no reply")
        except ValueError:
            structlog.get_logger("rasa.core.channels.rest").exception(
                "rest.message.received.failure", text="hi this is Jessica Miller")
    """)
    result = subprocess.run([str(RASA_PYTHON), "-c", script], cwd=RASA_PROJECT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "DEBUG"})
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "ERROR    rasa.core.processor  - Encountered an exception while running action" in output
    assert "ClientResponseError: 500, Internal Server Error, body=" + REDACTED in output
    assert '"event": "rest.message.received.failure"' in output and '"text": "<redacted>"' in output
    assert_clean(output)
