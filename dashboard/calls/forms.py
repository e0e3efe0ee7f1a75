"""The calls list's search and filter form (a GET form: nothing changes, so no CSRF token)
and the "called back" button."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from business.conversations.call_search import NEEDS_CALL_BACK, NO_OUTCOME
from business.conversations.outcome import OUTCOMES

CHANNELS = ("phone", "sms", "web", "owner")


class CallFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField("Keyword", validators=[Optional(), Length(max=100)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    name = StringField("Customer name", validators=[Optional(), Length(max=120)])
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    channel = SelectField("Channel", choices=[("", "any")] + [(c, c) for c in CHANNELS], validators=[Optional()])
    intent = SelectField("Intent", choices=[("", "any")], validators=[Optional()], validate_choice=False)
    outcome = SelectField("Outcome", validators=[Optional()], choices=[
        ("", "any"), (NEEDS_CALL_BACK, "needs a call back"), (NO_OUTCOME, "no outcome"),
        *[(o, o.replace("_", " ")) for o in OUTCOMES]])
    submit = SubmitField("Search")

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The end date is before the start date.")

    def validate_intent(self, field):
        if field.data and len(field.data) > 80:
            raise ValidationError("Choose an intent from the list.")


class CalledBackForm(FlaskForm):
    submit = SubmitField("Mark called back")
