"""The lead status form (new, called, booked, lost)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from business.conversations.follow_up import LEAD_STATUSES


class LeadStatusForm(FlaskForm):
    status = SelectField("Status", choices=[(s, s) for s in LEAD_STATUSES])
    submit = SubmitField("Save")
