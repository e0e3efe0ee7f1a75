"""What a channel says when the assistant produced nothing for a message (an action server
or database down, a crash inside Rasa): a true sentence instead of silence."""
from __future__ import annotations

TROUBLE = ("I'm sorry, I'm having trouble on my end right now. Please try again in a minute, "
           "or call the office and we'll help you straight away.")
# Sent beside the sentence so our front ends can tell the owner (they hold the database).
ERROR_MARKER = {"assistant_error": "no_reply"}
