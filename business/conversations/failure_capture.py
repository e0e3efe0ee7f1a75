"""When the assistant fails in the middle of a conversation (a database or code error
inside an action), keep what the caller told us: a lead with their details and the
owner's alert in the database, or, while the database is down, one line in a spool file
that the worker turns into the same lead and alert once the database is back."""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from sqlalchemy.orm import Session

from business.db import session_scope
from business.customers.leads import create_lead
from business.models import Notification
from business.notifications.events import assistant_failed
from business.repository import get_or_create_conversation

log = logging.getLogger(__name__)
SPOOL_FILE = "failed_requests.jsonl"


@dataclass(frozen=True)
class FailedRequest:
    conversation: str        # Rasa's sender id
    channel: str
    step: str                # the action that failed
    name: str | None = None
    phone: str | None = None
    problem: str | None = None
    requested_time: str | None = None
    address: str | None = None

    @property
    def reason(self) -> str:
        said = "; ".join(f"{label}: {value}" for label, value in (
            ("problem", self.problem), ("time asked for", self.requested_time), ("address", self.address))
            if value)
        return f"The assistant failed while handling this caller ({self.step}). {said}".strip()[:2000]


def record_failed_request(*, session: Session, request: FailedRequest) -> list[Notification]:
    """A lead when we have a number to call back, and the owner's alert either way."""
    conversation = get_or_create_conversation(session=session, external_id=request.conversation,
                                              channel=request.channel, caller=request.phone)
    if request.phone:
        create_lead(session=session, name=request.name or "Unknown caller", phone=request.phone,
                    reason=request.reason, conversation=conversation)
    return assistant_failed(session=session, conversation_key=request.conversation,
                            phone=request.phone, step=request.step)


def capture_failed_request(*, database_url: str, spool_dir: Path, request: FailedRequest) -> bool:
    """True when the details are safe (in the database or the spool), so the caller may be
    told the office will call back."""
    try:
        with session_scope(database_url) as session:
            record_failed_request(session=session, request=request)
        return True
    except Exception as exc:  # noqa: BLE001 - the database being down is the case we cover
        log.error("could not record failed request for %s in the database (%s); spooling it",
                  request.conversation, type(exc).__name__)
    try:
        spool_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(spool_dir / SPOOL_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as spool:
            spool.write(json.dumps(asdict(request)) + "\n")
        return True
    except OSError as exc:
        log.error("could not spool failed request for %s: %s", request.conversation, type(exc).__name__)
        return False


def import_spooled_requests(*, database_url: str, spool_dir: Path) -> int:
    """Worker job: spooled requests become leads and alerts; the file goes once they are in."""
    path = spool_dir / SPOOL_FILE
    if not path.exists():
        return 0
    # Renamed first so requests spooled meanwhile land in a new file, not in one being read.
    taken = path.with_name(f"{SPOOL_FILE}.{os.getpid()}.importing")
    path.rename(taken)
    known = {f.name for f in fields(FailedRequest)}
    requests = []
    for line in taken.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            data = json.loads(line)
            requests.append(FailedRequest(**{k: v for k, v in data.items() if k in known}))
        except (ValueError, TypeError):
            log.error("skipped an unreadable spooled request line")
    try:
        with session_scope(database_url) as session:
            for request in requests:
                record_failed_request(session=session, request=request)
    except Exception:
        # Still down: the requests go back to the spool for the next run.
        if path.exists():
            _append(taken, path)
        else:
            taken.rename(path)
        raise
    taken.unlink()
    return len(requests)


def _append(source: Path, target: Path) -> None:
    with target.open("a", encoding="utf-8") as out:
        out.write(source.read_text(encoding="utf-8"))
    source.unlink()
