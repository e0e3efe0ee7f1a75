"""Owner-entered blocked times ("dentist 2-3pm"): no booking may use them, whichever
calendar is linked."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from business.models import CalendarBlock

MAX_TITLE_LENGTH = 200


def create_calendar_block(*, session: Session, start: datetime, end: datetime, title: str) -> CalendarBlock:
    title = title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise ValueError(f"a block needs a title of 1 to {MAX_TITLE_LENGTH} characters")
    if end <= start:
        raise ValueError("a block must end after it starts")
    block = CalendarBlock(start_at=start, end_at=end, title=title)
    session.add(block)
    session.flush()
    return block


def list_calendar_blocks(
    *, session: Session, start: datetime | None = None, end: datetime | None = None
) -> list[CalendarBlock]:
    query = select(CalendarBlock).order_by(CalendarBlock.start_at)
    if start is not None:
        query = query.where(CalendarBlock.end_at > start)
    if end is not None:
        query = query.where(CalendarBlock.start_at < end)
    return list(session.scalars(query))


def delete_calendar_block(*, session: Session, block_id: int) -> bool:
    block = session.get(CalendarBlock, block_id)
    if block is None:
        return False
    session.delete(block)
    session.flush()
    return True
