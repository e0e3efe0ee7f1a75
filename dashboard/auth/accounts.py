"""Dashboard accounts: argon2 password hashing, creating users and checking a login.

The user queries live here because business.repository has no User functions yet."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import select
from sqlalchemy.orm import Session

from business.models import User

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
MAX_USERNAME_LENGTH = 80
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A username or password we refuse to store."""


@dataclass(frozen=True)
class DashboardUser(UserMixin):
    """What Flask-Login keeps for the signed-in user; never holds the password hash."""

    id: int
    username: str

    def get_id(self) -> str:
        return str(self.id)


def check_username(username: str) -> str:
    if not username or len(username) > MAX_USERNAME_LENGTH:
        raise AccountError(f"the username must be 1 to {MAX_USERNAME_LENGTH} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in username):
        raise AccountError("the username must not contain spaces or control characters")
    return username


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH or "\x00" in password:
        raise AccountError(f"the password must be at most {MAX_PASSWORD_LENGTH} characters, without NUL")
    return password


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the username is unknown, so a miss costs as long as a wrong
    # password and response times do not reveal which usernames exist.
    return _hasher.hash("not-a-real-password")


def get_user_by_username(*, session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def get_dashboard_user(*, session: Session, user_id: str) -> DashboardUser | None:
    # The id comes from the signed session cookie; still, only a plain int reaches SQL.
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 10):
        return None
    user = session.get(User, int(user_id))
    return None if user is None else DashboardUser(user.id, user.username)


def create_user(*, session: Session, username: str, password: str) -> User:
    username, password = check_username(username), check_password(password)
    if get_user_by_username(session=session, username=username) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(username=username, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, username: str, password: str) -> DashboardUser | None:
    """The user if the password matches, else None; rehashes when argon2's parameters
    have been raised since the hash was made (the caller commits)."""
    try:
        user = get_user_by_username(session=session, username=check_username(username))
    except AccountError:
        user = None  # e.g. a NUL byte, which PostgreSQL would refuse with an error
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return DashboardUser(user.id, user.username)
