"""Dashboard accounts: argon2 password hashing, creating users, checking a login and
changing a password. The queries live in business/users.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Session

from business.models import User
from business.users import OWNER, ROLES, TECHNICIAN, delete_user_sessions, get_user_by_username

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
MAX_USERNAME_LENGTH = 80
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A username or password we refuse to store."""


class WrongPasswordError(AccountError):
    """The current password given to change it is not the user's."""


@dataclass(frozen=True)
class DashboardUser(UserMixin):
    """What Flask-Login keeps for the signed-in user; never holds the password hash.

    Its id for Flask-Login is the session token, not the user id, so the session and
    remember-me cookies name a row in user_sessions that sign-out can delete."""

    id: int
    username: str
    session_token: str = field(repr=False)
    role: str = OWNER
    technician_id: int | None = None

    def get_id(self) -> str:
        return self.session_token


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


def check_role(role: str, technician_id: int | None) -> str:
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}")
    if technician_id is not None and role != TECHNICIAN:
        raise AccountError("only a technician's account is linked to a technician")
    return role


def create_user(*, session: Session, username: str, password: str, role: str = OWNER,
                technician_id: int | None = None) -> User:
    username, password = check_username(username), check_password(password)
    check_role(role, technician_id)
    if get_user_by_username(session=session, username=username) is not None:
        raise AccountError(f"user {username!r} already exists")
    user = User(username=username, password_hash=_hasher.hash(password), role=role, technician_id=technician_id)
    session.add(user)
    session.flush()
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
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
    if user is None or not user.active:
        return None  # a deactivated account: the same answer as a wrong password
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def change_password(*, session: Session, user: User, current_password: str, new_password: str) -> None:
    """Replaces the password and ends every session of the user (the caller commits and
    starts a new one for the browser that asked). AccountError says what is wrong."""
    try:
        _hasher.verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError) as exc:
        raise WrongPasswordError("The current password is not right.") from exc
    try:
        check_password(new_password)
    except AccountError as exc:
        raise AccountError(f"The new password is refused: {exc}.") from exc
    if new_password == current_password:
        raise AccountError("The new password must be different from the current one.")
    user.password_hash = _hasher.hash(new_password)
    delete_user_sessions(session=session, user_id=user.id)


def reset_password(*, session: Session, user: User, new_password: str) -> None:
    """The owner sets someone's password without knowing the old one; every session of
    that user ends (the caller commits). AccountError says what is wrong."""
    user.password_hash = _hasher.hash(check_password(new_password))
    delete_user_sessions(session=session, user_id=user.id)
