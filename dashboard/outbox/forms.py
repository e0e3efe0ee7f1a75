"""The form for editing one message template; Flask-WTF adds and checks the CSRF token."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class TemplateForm(FlaskForm):
    sms = TextAreaField("Text message", validators=[DataRequired(), Length(max=1000)], render_kw={"rows": 4})
    subject = StringField("Email subject", validators=[DataRequired(), Length(max=200)])
    email = TextAreaField("Email text", validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 10})
    save = SubmitField("Save")
    reset = SubmitField("Back to the default wording")
