"""The customer details form and the erasure confirmation."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class CustomerForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    phone = StringField("Phone", validators=[DataRequired(), Length(max=40)])
    email = EmailField("Email", validators=[Optional(), Email(check_deliverability=False), Length(max=254)])
    address = StringField("Address", validators=[Optional(), Length(max=300)])
    zip_code = StringField("ZIP code", validators=[Optional(), Length(min=5, max=10)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Save")


class EraseForm(FlaskForm):
    reason = StringField("Why (e.g. the customer asked by phone on May 3)", validators=[Optional(), Length(max=500)])
    confirm = BooleanField("I understand this cannot be undone", validators=[DataRequired("Tick the box to confirm.")])
    submit = SubmitField("Erase this customer's data")
