"""Dashboard users and their server-side sessions: the queries, kept apart from password
hashing (dashboard/auth/accounts.py) so any service can end a user's sessions."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from business.models import User, UserSession

# Dashboard roles: the owner sees everything, office staff everything but users and
# settings, a technician only their own jobs (dashboard/auth/roles.py enforces them).
OWNER, OFFICE, TECHNICIAN = "owner", "office", "technician"
ROLES = (OWNER, OFFICE, TECHNICIAN)

# 32 random bytes, URL-safe base64 without padding: what a session token always looks like.
TOKEN_BYTES = 32
TOKEN_LENGTH = 43
_TOKEN_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def get_user_by_username(*, session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def create_user_session(*, session: Session, user: User, now: datetime, expired_before: datetime) -> str:
    """A new session for `user`; returns the token for the cookie (only its hash is kept).
    The user's sessions started before `expired_before` are removed on the way."""
    session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                              UserSession.created_at < expired_before))
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(UserSession(user_id=user.id, token_hash=_token_hash(token), created_at=now))
    session.flush()
    return token


def get_user_by_session_token(*, session: Session, token: str, expired_before: datetime) -> User | None:
    """The user whose live session `token` is; None for an unknown, ended or expired one."""
    if len(token) != TOKEN_LENGTH or not _TOKEN_ALPHABET.issuperset(token):
        return None  # e.g. a cookie from before sessions were stored, holding a user id
    return session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _token_hash(token), UserSession.created_at >= expired_before,
               User.active.is_(True))
    )


def count_user_sessions(*, session: Session, user_id: int, expired_before: datetime) -> int:
    return session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id, UserSession.created_at >= expired_before)) or 0


def delete_user_session(*, session: Session, token: str) -> None:
    if len(token) == TOKEN_LENGTH and _TOKEN_ALPHABET.issuperset(token):
        session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))


def delete_user_sessions(*, session: Session, user_id: int) -> int:
    """Ends every session of the user; returns how many there were."""
    return session.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount


def list_users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def lock_active_owner_ids(*, session: Session) -> list[int]:
    """The active owners' ids, their rows locked (PostgreSQL) until commit, so two owners
    demoting each other at once cannot leave the business with none."""
    return list(session.scalars(select(User.id).where(User.role == OWNER, User.active.is_(True))
                                .order_by(User.id).with_for_update()))
