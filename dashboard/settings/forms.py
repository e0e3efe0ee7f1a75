"""Forms of the settings page; Flask-WTF adds and checks the CSRF token on each."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField, TimeField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from business.calendar.blocks import MAX_TITLE_LENGTH


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class CalendarChoiceForm(FlaskForm):
    booking_calendar = SelectField("Bookings go to", validators=[DataRequired()])
    busy_calendars = SelectMultipleField(
        "Count as busy", option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False)
    )
    submit = SubmitField("Save calendars")


class BlockForm(FlaskForm):
    day = DateField("Day", validators=[DataRequired()])
    start = TimeField("From", validators=[DataRequired()])
    end = TimeField("Until", validators=[DataRequired()])
    title = StringField("What", validators=[DataRequired(), Length(max=MAX_TITLE_LENGTH)])
    submit = SubmitField("Block this time")
