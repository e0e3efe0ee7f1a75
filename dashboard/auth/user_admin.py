"""The owner manages dashboard logins (Settings > Users): add, change role or technician,
reset a password, deactivate or reactivate. Validated like business/owner_settings.py: a
refused value raises SettingsRefused with a reason per form field, and nothing is stored."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from sqlalchemy.orm import Session

from business.models import Technician, User
from business.owner_settings import SettingsRefused
from business.users import OWNER, ROLES, TECHNICIAN, delete_user_sessions, lock_active_owner_ids
from dashboard.auth.accounts import AccountError, check_password, check_username, create_user, reset_password

LAST_OWNER = "{name} is the only active owner: make another account an owner first, or nobody could manage the business"


def _errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        found.setdefault(field, error["msg"].removeprefix("Value error, "))
    return found


class UserAccess(BaseModel):
    """What an account may see: its role, and for a technician which technician it is."""

    # No whitespace stripping: spaces belong to a password, as at sign-in.
    model_config = ConfigDict(extra="ignore")
    role: str
    technician_id: int | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"choose one of {', '.join(ROLES)}")
        return value

    @field_validator("technician_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value in ("", None) else value

    @model_validator(mode="after")
    def _technician_matches_role(self) -> "UserAccess":
        if self.role == TECHNICIAN and self.technician_id is None:
            raise ValueError("a technician's account needs the technician it belongs to")
        if self.role != TECHNICIAN:
            self.technician_id = None  # the field is hidden for other roles; ignore a stale value
        return self


class NewUser(UserAccess):
    username: str
    password: str

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        try:
            return check_username(value)
        except AccountError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        try:
            return check_password(value)
        except AccountError as exc:
            raise ValueError(str(exc)) from None


def _parse(model: type[BaseModel], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = _errors(exc)
        # The role/technician check spans two fields; show it beside the technician.
        raise SettingsRefused({("technician_id" if k == "form" else k): v for k, v in errors.items()}) from None


def _check_technician(session: Session, technician_id: int | None) -> None:
    if technician_id is not None and (not 0 < technician_id < 2**31 or session.get(Technician, technician_id) is None):
        raise SettingsRefused({"technician_id": "no such technician"})


def _refuse_if_last_owner(session: Session, user: User, field: str) -> None:
    """Called before `user` stops being an active owner."""
    if user.role == OWNER and user.active and lock_active_owner_ids(session=session) == [user.id]:
        raise SettingsRefused({field: LAST_OWNER.format(name=user.username)})


def add_user(*, session: Session, values: dict[str, Any]) -> User:
    parsed = _parse(NewUser, values)
    _check_technician(session, parsed.technician_id)
    try:
        return create_user(session=session, username=parsed.username, password=parsed.password,
                           role=parsed.role, technician_id=parsed.technician_id)
    except AccountError as exc:  # the username is taken
        raise SettingsRefused({"username": str(exc)}) from None


def change_access(*, session: Session, user: User, values: dict[str, Any]) -> bool:
    """New role or technician; the user's sessions end when either changed (returns whether)."""
    parsed = _parse(UserAccess, values)
    _check_technician(session, parsed.technician_id)
    if (parsed.role, parsed.technician_id) == (user.role, user.technician_id):
        return False
    if parsed.role != OWNER:
        _refuse_if_last_owner(session, user, "role")
    user.role, user.technician_id = parsed.role, parsed.technician_id
    delete_user_sessions(session=session, user_id=user.id)
    return True


def set_password(*, session: Session, user: User, password: str) -> None:
    try:
        reset_password(session=session, user=user, new_password=password)
    except AccountError as exc:
        raise SettingsRefused({"password": str(exc)}) from None


def set_active(*, session: Session, user: User, active: str) -> None:
    """`active` is the submitted "1" or "0"; deactivating ends every session of the user."""
    if active not in ("0", "1"):
        raise SettingsRefused({"active": "say whether the account is active"})
    if active == "0":
        _refuse_if_last_owner(session, user, "active")
        delete_user_sessions(session=session, user_id=user.id)
    user.active = active == "1"
    session.flush()
