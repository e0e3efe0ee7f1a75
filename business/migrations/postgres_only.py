"""Indexes only PostgreSQL has, made in SQL by revision 0010_dash1_follow_up (trigram
indexes for the calls page's keyword search): the models cannot declare them for both
engines, so autogenerate must neither propose dropping them nor report them."""
from __future__ import annotations

POSTGRES_ONLY_INDEXES = {"ix_transcript_turns_text_trgm", "ix_conversations_summary_trgm"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES)
