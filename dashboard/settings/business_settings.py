"""Settings the owner edits instead of YAML: each profile section, the price book and the
technicians. Validation is business.owner_settings' (pydantic); a refused value comes back
on the form, in place, with the reason (status 400). Role: owner only (wired by the lead)."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from business.holidays import DEFAULT_CLOSED_HOLIDAYS, us_holiday_names
from business.models import Service, Technician
from business.owner_settings import (
    PROFILE_SECTIONS,
    SettingsRefused,
    save_profile_section,
    save_service,
    save_technician,
)
from business.profile import ALERT_CHANNELS, OWNER_ALERTS, WEEKDAYS, BusinessProfile, load_profile_data
from business.repository import list_services, list_technicians
from dashboard.auth.roles import OWNER_ONLY, role_required
from dashboard.db import get_session
from dashboard.settings import bp

SECTION_TITLES = {
    "business": "Business", "hours": "Hours and holidays", "booking": "Booking rules", "services": "Services and prices",
    "area": "Service area", "faq": "FAQ answers", "script": "Greeting and closing", "alerts": "Owner alerts",
    "technicians": "Technicians", "users": "Users",
}
MAX_ID = 2**31 - 1


def _form_values(section: str, form: MultiDict) -> dict[str, Any]:
    """The submitted form as the section's pydantic model reads it."""
    values: dict[str, Any] = {k: v for k, v in form.items() if k != "csrf_token"}
    if section == "hours":
        values["closed_us_holidays"] = form.getlist("closed_us_holidays")
    elif section == "booking":
        values["emergency_after_hours"] = "emergency_after_hours" in form
    elif section == "faq":
        values = {"faq": {k.removeprefix("faq_"): v for k, v in values.items() if k.startswith("faq_")}}
    elif section == "alerts":
        values = {"owner_alerts": {kind: form.getlist(f"alert_{kind}") for kind in OWNER_ALERTS}}
    elif section == "technician":
        values["skills"] = form.getlist("skills")
        values["active"] = "active" in form
    return values


def _stored_values(section: str, data: dict[str, Any]) -> dict[str, Any]:
    """What the form shows before any edit: the stored profile, flattened like the form."""
    if section == "hours":
        values = {f"{day}_{edge}": pair[i] for day, pair in data.get("hours", {}).items()
                  for i, edge in enumerate(("open", "close"))}
        values["closed_us_holidays"] = data.get("closed_us_holidays", list(DEFAULT_CLOSED_HOLIDAYS))
        values["holidays"] = "\n".join(str(d) for d in data.get("holidays", []))
        return values
    if section == "booking":
        return dict(data.get("booking", {}))
    if section == "area":
        return {"service_area_zips": " ".join(data.get("service_area_zips", []))}
    if section == "faq":
        return {f"faq_{k}": v for k, v in data.get("faq", {}).items()}
    if section == "alerts":
        alerts = data.get("owner_alerts") or {}
        return {"owner_alerts": {kind: alerts.get(kind, list(ALERT_CHANNELS)) for kind in OWNER_ALERTS}}
    if section == "script":
        profile = BusinessProfile.from_dict(data)
        return {"greeting": profile.greeting, "closing": profile.closing}
    return data


@bp.context_processor
def _sections() -> dict[str, Any]:
    return {"settings_sections": SECTION_TITLES}


def _render(section: str, status: int = 200, **context):
    return render_template(f"settings/sections/{section}.html", section=section, weekdays=WEEKDAYS,
                           **context), status


@bp.route("/business/<section>", methods=["GET", "POST"])
@role_required(OWNER_ONLY)
def edit_section(section: str):
    if section not in PROFILE_SECTIONS:
        abort(404)
    db = get_session()
    data = load_profile_data(session=db)
    extra = {"us_holidays": us_holiday_names(), "alerts": OWNER_ALERTS, "faq_keys": list(data.get("faq", {}))}
    if request.method == "POST":
        values = _form_values(section, request.form)
        try:
            save_profile_section(session=db, section=section, values=values)
        except SettingsRefused as refused:
            db.rollback()
            return _render(section, 400, values={**values, **_display(section, values)}, errors=refused.errors, **extra)
        db.commit()
        flash(f"{SECTION_TITLES[section]} saved. The assistant uses it from the next call, chat or text.")
        return redirect(url_for("settings.edit_section", section=section))
    return _render(section, values=_stored_values(section, data), errors={}, **extra)


def _display(section: str, values: dict[str, Any]) -> dict[str, Any]:
    """Submitted values in the shape the template shows (faq and alerts are nested)."""
    if section == "faq":
        return {f"faq_{k}": v for k, v in values["faq"].items()}
    return {}


@bp.get("/services")
@role_required(OWNER_ONLY)
def services():
    return _render("services", services=list_services(session=get_session()), errors={}, edited=None, values={})


@bp.post("/services/<service_ref>")
@role_required(OWNER_ONLY)
def save_service_view(service_ref: str):
    db = get_session()
    service = None
    if service_ref != "new":
        if not (service_ref.isascii() and service_ref.isdigit()) or int(service_ref) > MAX_ID:
            abort(404)
        service = db.get(Service, int(service_ref))
        if service is None:
            abort(404)
    values = _form_values("service", request.form)
    try:
        saved = save_service(session=db, values=values, service=service)
    except SettingsRefused as refused:
        db.rollback()
        return _render("services", 400, services=list_services(session=db), errors=refused.errors,
                       edited=service_ref, values=values)
    db.commit()
    flash(f"{saved.name} saved: the assistant quotes {int(saved.price_min)} to {int(saved.price_max)} dollars.")
    return redirect(url_for("settings.services"))


@bp.get("/technicians")
@role_required(OWNER_ONLY)
def technicians():
    return _render("technicians", technicians=list_technicians(session=get_session(), active_only=False))


def _technician_or_404(ref: str) -> Technician | None:
    if ref == "new":
        return None
    if not (ref.isascii() and ref.isdigit()) or int(ref) > MAX_ID:
        abort(404)
    technician = get_session().get(Technician, int(ref))
    if technician is None:
        abort(404)
    return technician


def _skills() -> list[str]:
    return sorted({s.skill for s in list_services(session=get_session())})


@bp.route("/technicians/<ref>", methods=["GET", "POST"])
@role_required(OWNER_ONLY)
def edit_technician(ref: str):
    db = get_session()
    technician = _technician_or_404(ref)
    if request.method == "POST":
        values = _form_values("technician", request.form)
        try:
            saved = save_technician(session=db, values=values, technician=technician)
        except SettingsRefused as refused:
            db.rollback()
            return _render("technician", 400, technician=technician, ref=ref, skills=_skills(), values=values,
                           errors=refused.errors)
        db.commit()
        flash(f"{saved.name} saved" + ("." if saved.active else ": deactivated, no new jobs go to them."))
        return redirect(url_for("settings.technicians"))
    values: dict[str, Any] = {"active": True, "skills": []}
    if technician is not None:
        values = {"name": technician.name, "phone": technician.phone, "home_zip": technician.home_zip,
                  "skills": list(technician.skills), "active": technician.active}
        values.update({f"{day}_{edge}": pair[i] for day, pair in (technician.working_hours or {}).items()
                       for i, edge in enumerate(("open", "close"))})
    return _render("technician", technician=technician, ref=ref, skills=_skills(), values=values, errors={})
