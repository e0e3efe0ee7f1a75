"""Loads the starting data in data/ (business profile, services, technicians, FAQ) into a
new database. Once seeded, the database is the source of truth (the owner edits it in
Settings): seeding again changes nothing unless `overwrite` asks data/ to win."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from business.customers.contacts import normalize_phone
from business.models import BusinessSetting, Service, Technician
from business.profile import PROFILE_KEY, save_profile_data


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def seed(*, session: Session, data_dir: Path, overwrite: bool = False) -> dict[str, int]:
    if not overwrite and session.get(BusinessSetting, PROFILE_KEY) is not None:
        return {"services": 0, "technicians": 0, "faq": 0}
    profile = _load(data_dir / "business.yaml")
    profile["faq"] = _load(data_dir / "faq.yaml")
    save_profile_data(session=session, data=profile)

    services = _load(data_dir / "services.yaml")
    for item in services:
        service = session.scalar(select(Service).where(Service.slug == item["slug"]))
        if service is None:
            service = Service(slug=item["slug"])
            session.add(service)
        low, high = item["price"]
        service.name = item["name"]
        service.skill = item["skill"]
        service.duration_minutes = int(item["duration_minutes"])
        service.price_min, service.price_max = Decimal(low), Decimal(high)
        service.emergency = bool(item.get("emergency", False))
        # "phrases" (older catalogs said "keywords") feed business/understanding/service_matching.py.
        service.keywords = [str(p) for p in item.get("phrases", item.get("keywords", []))]

    technicians = _load(data_dir / "technicians.yaml")
    for item in technicians:
        tech = session.scalar(select(Technician).where(Technician.name == item["name"]))
        if tech is None:
            tech = Technician(name=item["name"])
            session.add(tech)
        phone = normalize_phone(str(item["phone"]))
        if phone is None:
            raise ValueError(f"technician {item['name']} has an invalid phone number")
        tech.phone = phone
        tech.home_zip = str(item["home_zip"])
        tech.skills = list(item["skills"])
        tech.working_hours = dict(item["working_hours"])
    session.flush()
    return {"services": len(services), "technicians": len(technicians), "faq": len(profile["faq"])}
