"""The new-job form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional


class JobForm(FlaskForm):
    name = StringField("Customer name", validators=[DataRequired(), Length(max=120)])
    phone = StringField("Phone", validators=[DataRequired(), Length(max=40)])
    address = StringField("Address", validators=[DataRequired(), Length(max=300)])
    zip_code = StringField("ZIP code", validators=[DataRequired(), Length(min=5, max=10)])
    service = SelectField("Service", validators=[DataRequired()])
    day = DateField("Day", validators=[DataRequired()])
    start = TimeField("Time", validators=[DataRequired()])
    urgency = SelectField("Urgency", choices=[("routine", "routine"), ("emergency", "emergency")])
    problem = TextAreaField("Problem", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Book the job")
