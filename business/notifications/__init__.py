"""Customer, owner and technician messages: an outbox written inside the caller's
transaction (events.py), rendered from editable templates, sent by a worker job through
Twilio SMS and SMTP email, each with a local mode that keeps messages on this machine."""
