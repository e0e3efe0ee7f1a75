"""Conversations: the call log copied from Rasa's event broker, outcomes and summaries,
texts, what a failure captured, and retention."""
