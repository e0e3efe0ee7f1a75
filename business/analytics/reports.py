"""The owner's analytics, each one grouped query over a local date range. Python only
reshapes the grouped rows (at most one per day, week, service or ZIP) into a `Report`:
column names, rows (the table view and the CSV) and the series a chart draws.

Definitions (customer channels only; the owner's own line is left out):
- answered: a conversation the assistant replied to at least once; missed: never replied to.
- booked / abandoned: the conversation's outcome.
- bookable: booked, abandoned, or came in asking to book or with an emergency; booking
  rate = booked / bookable, as ServiceTitan and Avoca report it.
- a job: an appointment not cancelled, counted in the week of its start; completed jobs
  are valued at the middle of their service's price range (revenue estimate).
- new customer: the job is the customer's first job ever; repeat: they had one before.
- a lead converts when its phone number books a job after the lead was created.
- after hours: a phone call started outside the opening hours, on a closed weekday or on
  a holiday."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from business.analytics.local_time import LocalTime
from business.holidays import closed_holidays_between
from business.models import Appointment, Conversation, Customer, Lead, Service, TranscriptTurn
from business.profile import WEEKDAYS, BusinessProfile

CUSTOMER_CHANNELS = ("phone", "web", "sms")
BOOKING_INTENTS = ("book_appointment", "emergency_request")
MAX_RANGE_DAYS = 731


@dataclass(frozen=True)
class DateRange:
    """Local dates, both inclusive."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("the end date is before the start date")
        if (self.end - self.start).days >= MAX_RANGE_DAYS:
            raise ValueError(f"choose at most {MAX_RANGE_DAYS} days")

    def bounds(self, profile: BusinessProfile) -> tuple[datetime, datetime]:
        """The UTC instants of local midnight at the start and after the end."""
        tz = profile.tz
        return (datetime.combine(self.start, time(), tz), datetime.combine(self.end + timedelta(days=1), time(), tz))

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def weeks(self) -> list[date]:
        monday = self.start - timedelta(days=self.start.weekday())
        return [monday + timedelta(weeks=n) for n in range((self.end - monday).days // 7 + 1)]


@dataclass
class Report:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: str = "bar"  # Chart.js type
    stacked: bool = False
    # Which columns are series (the first column is always the label).
    series: list[str] = field(default_factory=list)
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        def plain(value):
            return float(value) if isinstance(value, Decimal) else value
        return {"title": self.title, "columns": self.columns, "rows": [[plain(v) for v in row] for row in self.rows],
                "chart": self.chart, "stacked": self.stacked, "series": self.series or self.columns[1:],
                "note": self.note}


def _lt(session: Session, profile: BusinessProfile, period: DateRange) -> LocalTime:
    return LocalTime(session.get_bind().dialect.name, profile.timezone, *period.bounds(profile))


def _conversations_in(period: DateRange, profile: BusinessProfile):
    start, end = period.bounds(profile)
    return and_(Conversation.started_at >= start, Conversation.started_at < end,
                Conversation.channel.in_(CUSTOMER_CHANNELS))


def _jobs_in(period: DateRange, profile: BusinessProfile, alias=Appointment):
    start, end = period.bounds(profile)
    return and_(alias.start_at >= start, alias.start_at < end, alias.status != "cancelled")


def conversations_per_day(*, session: Session, profile: BusinessProfile, period: DateRange) -> Report:
    lt = _lt(session, profile, period)
    day = lt.day(Conversation.started_at).label("day")
    counts = {(lt.day_key(d), channel): n for d, channel, n in session.execute(
        select(day, Conversation.channel, func.count()).where(_conversations_in(period, profile))
        .group_by(day, Conversation.channel))}
    rows = [[d.isoformat(), *(counts.get((d.isoformat(), c), 0) for c in CUSTOMER_CHANNELS)] for d in period.days()]
    return Report("Calls and chats per day", ["Day", "Phone", "Web chat", "Text"], rows, chart="bar", stacked=True)


def answered_replied():
    return exists().where(TranscriptTurn.conversation_id == Conversation.id, TranscriptTurn.speaker == "assistant")


def outcomes(*, session: Session, profile: BusinessProfile, period: DateRange) -> Report:
    replied = answered_replied()
    row = session.execute(select(
        func.count(),
        func.sum(case((replied, 1), else_=0)),
        func.sum(case((Conversation.outcome == "booked", 1), else_=0)),
        func.sum(case((~replied, 1), else_=0)),
        func.sum(case((Conversation.outcome == "abandoned", 1), else_=0)),
    ).where(_conversations_in(period, profile))).one()
    total, answered, booked, missed, abandoned = (int(v or 0) for v in row)
    return Report("Answered, booked, missed and abandoned", ["Outcome", "Conversations"],
                  [["Answered", answered], ["Booked", booked], ["Missed", missed], ["Abandoned", abandoned]],
                  note=f"{total} conversations in all")


def booking_rate(*, session: Session, profile: BusinessProfile, period: DateRange) -> Report:
    lt = _lt(session, profile, period)
    week = lt.week(Conversation.started_at).label("week")
    bookable = or_(Conversation.outcome.in_(("booked", "abandoned")), Conversation.intent.in_(BOOKING_INTENTS))
    found = {lt.day_key(w): (int(b or 0), int(n or 0)) for w, b, n in session.execute(
        select(week, func.sum(case((Conversation.outcome == "booked", 1), else_=0)), func.count())
        .where(_conversations_in(period, profile), bookable).group_by(week))}
    rows = []
    for monday in period.weeks():
        booked, total = found.get(monday.isoformat(), (0, 0))
        rows.append([monday.isoformat(), booked, total, round(100 * booked / total, 1) if total else None])
    booked_all = sum(r[1] for r in rows)
    total_all = sum(r[2] for r in rows)
    rate = f"{100 * booked_all / total_all:.1f}%" if total_all else "no bookable calls"
    return Report("Booking rate (booked of bookable calls)", ["Week of", "Booked", "Bookable", "Rate %"], rows,
                  chart="line", series=["Rate %"], note=f"Whole range: {booked_all} of {total_all} ({rate})")


def jobs_per_week(*, session: Session, profile: BusinessProfile, period: DateRange) -> Report:
    lt = _lt(session, profile, period)
    week = lt.week(Appointment.start_at).label("week")
    found = {lt.day_key(w): int(n) for w, n in session.execute(
        select(week, func.count()).where(_jobs_in(period, profile)).group_by(week))}
    return Report("Jobs per week", ["Week of", "Jobs"], [[w.isoformat(), found.get(w.isoformat(), 0)]
                                                         for w in period.weeks()])


def _midpoint():
    return (Service.price_min + Service.price_max) / 2


def revenue_per_week(*, session: Session, profile: BusinessProfile, period: DateRange) -> Report:
    lt = _lt(session, profile, period)
    week = lt.week(Appointment.start_at).label("week")
    found = {lt.day_key(w): (int(n), Decimal(r or 0)) for w, n, r in session.execute(
        select(week, func.count(), func.sum(_midpoint())).select_from(Appointment).join(Service, Service.id == Appointment.service_id)
        .where(_jobs_in(period, profile), Appointment.status == "completed").group_by(week))}
    rows = []
    for monday in period.weeks():
        jobs, revenue = found.get(monday.isoformat(), (0, Decimal(0)))
        rows.append([monday.isoformat(), jobs, revenue.quantize(Decimal("0.01"))])
    total = sum((r[2] for r in rows), Decimal(0))
    return Report("Revenue estimate (completed jobs at mid price)", ["Week of", "Completed jobs", "Revenue $"], rows,
                  series=["Revenue $"], note=f"Whole range: ${total:,.2f}")


def top_services(*, session: Session, profile: BusinessProfile, period: DateRange, limit: int = 10) -> Report:
    jobs = func.count().label("jobs")
    rows = session.execute(
        select(Service.name, jobs, func.sum(_midpoint())).select_from(Appointment).join(Service, Service.id == Appointment.service_id)
        .where(_jobs_in(period, profile)).group_by(Service.id, Service.name)
        .order_by(jobs.desc(), Service.name).limit(limit)).all()
    return Report("Top services", ["Service", "Jobs", "Estimated value $"],
                  [[name, int(n), Decimal(v or 0).quantize(Decimal("0.01"))] for name, n, v in rows],
                  chart="bar", series=["Jobs"])


def jobs_by_zip(*, session: Session, profile: BusinessProfile, period: DateRange, limit: int = 25) -> Report:
    jobs = func.count().label("jobs")
    zip_code = func.coalesce(Appointment.zip_code, literal("unknown")).label("zip")
    rows = session.execute(select(zip_code, jobs).where(_jobs_in(period, profile))
                           .group_by(zip_code).order_by(jobs.desc(), zip_code).limit(limit)).all()
    return Report("Jobs by ZIP code", ["ZIP", "Jobs"], [[z, int(n)] for z, n in rows])


def new_vs_repeat(*, session: Session, profile: BusinessProfile, period: DateRange) -> Report:
    lt = _lt(session, profile, period)
    earlier = aliased(Appointment)
    had_before = exists().where(earlier.customer_id == Appointment.customer_id, earlier.status != "cancelled",
                                earlier.start_at < Appointment.start_at)
    week = lt.week(Appointment.start_at).label("week")
    found = {lt.day_key(w): (int(r or 0), int(n)) for w, r, n in session.execute(
        select(week, func.sum(case((had_before, 1), else_=0)), func.count())
        .where(_jobs_in(period, profile)).group_by(week))}
    rows = []
    for monday in period.weeks():
        repeat, total = found.get(monday.isoformat(), (0, 0))
        rows.append([monday.isoformat(), total - repeat, repeat])
    return Report("New and repeat customers (jobs)", ["Week of", "New", "Repeat"], rows, stacked=True)


def leads_conversion(*, session: Session, profile: BusinessProfile, period: DateRange) -> Report:
    lt = _lt(session, profile, period)
    start, end = period.bounds(profile)
    converted = exists().where(Customer.phone == Lead.phone, Appointment.customer_id == Customer.id,
                               Appointment.created_at >= Lead.created_at, Appointment.status != "cancelled")
    week = lt.week(Lead.created_at).label("week")
    found = {lt.day_key(w): (int(n), int(c or 0)) for w, n, c in session.execute(
        select(week, func.count(), func.sum(case((converted, 1), else_=0)))
        .where(Lead.created_at >= start, Lead.created_at < end).group_by(week))}
    rows = []
    for monday in period.weeks():
        leads, won = found.get(monday.isoformat(), (0, 0))
        rows.append([monday.isoformat(), leads, won])
    leads_all, won_all = sum(r[1] for r in rows), sum(r[2] for r in rows)
    note = f"Whole range: {won_all} of {leads_all} leads booked" + (
        f" ({100 * won_all / leads_all:.1f}%)" if leads_all else "")
    return Report("Leads and conversion", ["Week of", "Leads", "Booked"], rows, note=note)


def after_hours_calls(*, session: Session, profile: BusinessProfile, period: DateRange) -> Report:
    lt = _lt(session, profile, period)
    started = Conversation.started_at
    weekday, minute, day = lt.weekday(started), lt.minute_of_day(started), lt.day(started)
    open_now = [and_(weekday == (WEEKDAYS.index(name) + 1) % 7, minute >= opens.hour * 60 + opens.minute,
                     minute < closes.hour * 60 + closes.minute)
                for name, (opens, closes) in profile.hours.items()]
    closed_days = sorted(closed_holidays_between(period.start, period.end, profile.closed_us_holidays)
                         | {d for d in profile.holidays if period.start <= d <= period.end})
    is_open = or_(*open_now) if open_now else literal(False)
    if closed_days:
        is_open = and_(is_open, day.not_in([lt.day_param(d) for d in closed_days]))
    day_label = day.label("day")
    found = {lt.day_key(d): (int(n), int(a or 0)) for d, n, a in session.execute(
        select(day_label, func.count(), func.sum(case((is_open, 0), else_=1)))
        .where(_conversations_in(period, profile), Conversation.channel == "phone").group_by(day_label))}
    rows = []
    for d in period.days():
        calls, after = found.get(d.isoformat(), (0, 0))
        rows.append([d.isoformat(), calls - after, after])
    total_after = sum(r[2] for r in rows)
    return Report("After-hours calls", ["Day", "In hours", "After hours"], rows, stacked=True,
                  note=f"Whole range: {total_after} of {sum(r[1] + r[2] for r in rows)} phone calls after hours")


REPORTS = {
    "conversations": conversations_per_day,
    "outcomes": outcomes,
    "booking-rate": booking_rate,
    "jobs": jobs_per_week,
    "revenue": revenue_per_week,
    "services": top_services,
    "zips": jobs_by_zip,
    "customers": new_vs_repeat,
    "leads": leads_conversion,
    "after-hours": after_hours_calls,
}


def run_report(name: str, *, session: Session, profile: BusinessProfile, period: DateRange) -> Report:
    return REPORTS[name](session=session, profile=profile, period=period)
