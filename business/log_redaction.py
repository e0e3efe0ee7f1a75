"""A logging filter that keeps conversations out of log files: tracker dumps, message
text, slot values, SQL parameters, phone numbers and emails are replaced by markers in a
record's message and traceback; the record itself (level, logger, error) is kept.

Standard library only: Rasa's own environment loads it from rasa_project/logging.yml.
"""
from __future__ import annotations

import json
import logging
import re
import traceback
from typing import Any

REDACTED = "<redacted>"
# Keys whose values are what people said or what we know about them: Rasa's own list of
# anonymisable keys (rasa/utils/log_utils.py) plus the parts of a tracker and an action call.
SENSITIVE_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message", "tracker", "events", "latest_message", "slots", "sender_id", "conversation_id",
    "metadata", "customData", "request_body", "parse_data", "entities", "value", "body", "locals",
})
_KEY_ALTERNATIVES = "|".join(sorted(map(re.escape, SENSITIVE_KEYS), key=len, reverse=True))
# A dict or JSON object holding one of the keys: the whole object goes.
_SENSITIVE_KEY_IN_OBJECT = re.compile(rf"""["'](?:{_KEY_ALTERNATIVES})["']\s*:""")
# key=value as structlog's console renderer writes it.
_KEY_VALUE = re.compile(
    rf"""(?<![\w.])(?P<key>{_KEY_ALTERNATIVES})=(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s,)]+)"""
)
# The action server's answer inside Rasa's ClientResponseError ("500, ..., body='{...}'"),
# which echoes the whole tracker; and the parameters SQLAlchemy adds to its errors.
_RESPONSE_BODY = re.compile(r"body='.*")
_SQL_PARAMETERS = re.compile(r"\[parameters: .*")
# Rasa events as str() writes them: UserUttered(text: ..., intent: ...), SlotSet(key: ..., value: ...).
_EVENT_REPR = re.compile(r"\b(UserUttered|BotUttered|SlotSet|EntitiesAdded)\((?:[^()]|\([^()]*\))*\)")
_PHONE = re.compile(r"\+\d{7,15}\b|(?<!\w)\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # structlog's console renderer colours keys apart from values


def redact(text: str) -> str:
    """`text` with every conversation-looking part replaced by a marker."""
    text = _RESPONSE_BODY.sub(f"body='{REDACTED}'", text)
    text = _SQL_PARAMETERS.sub(f"[parameters: {REDACTED}]", text)
    text = _redact_objects(text)
    text = _EVENT_REPR.sub(lambda m: f"{m.group(1)}({REDACTED})", text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group('key')}={REDACTED}", text)
    return _EMAIL.sub("<email>", _PHONE.sub("<phone>", text))


def _redact_objects(text: str) -> str:
    out, start = [], 0
    while (opening := text.find("{", start)) != -1:
        end = _closing_brace(text, opening)
        out.append(text[start:opening])
        if end is None:
            # Cut off (a truncated dump): fail closed, to the end of the line.
            line_end = text.find("\n", opening)
            line_end = len(text) if line_end == -1 else line_end
            chunk, start = text[opening:line_end], line_end
        else:
            chunk, start = text[opening:end + 1], end + 1
        out.append("{" + REDACTED + "}" if _SENSITIVE_KEY_IN_OBJECT.search(chunk) or end is None else chunk)
    out.append(text[start:])
    return "".join(out)


def _closing_brace(text: str, opening: int) -> int | None:
    depth, quote, i = 0, "", opening
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k in SENSITIVE_KEYS else _redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    return redact(value) if isinstance(value, str) else value


def redact_message(message: str) -> str:
    """A structlog JSON line keeps its shape (event, level, exception types), its sensitive
    values go; any other message is redacted as text."""
    message = _COLOURS.sub("", message)
    if message.startswith("{"):
        try:
            parsed = json.loads(message)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return json.dumps(_redact_json(parsed))
    return redact(message)


class RedactConversationData(logging.Filter):
    """Rewrites the record in place (message, arguments, traceback); never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact_message(record.getMessage()), None
        if record.exc_info:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
