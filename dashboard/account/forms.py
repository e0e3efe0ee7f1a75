"""Forms of the Account page; Flask-WTF adds and checks the CSRF token on each."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from dashboard.auth.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(
            min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
            message=f"The password must be at least {MIN_PASSWORD_LENGTH} characters "
                    f"(and at most {MAX_PASSWORD_LENGTH}).",
        )],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", message="The new passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change password")


class SignOutEverywhereForm(FlaskForm):
    submit = SubmitField("Sign out everywhere")
