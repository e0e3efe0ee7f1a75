"""Seeding loads data/ and is idempotent on both databases."""
from sqlalchemy import func, select

from business.models import BusinessSetting, Service, Technician
from business.seed import seed
from tests.conftest import DATA_DIR


def test_seed_twice_changes_nothing(session):
    before = (session.scalar(select(func.count(Service.id))), session.scalar(select(func.count(Technician.id))))
    assert before == (15, 3)
    seed(session=session, data_dir=DATA_DIR)
    session.commit()
    after = (session.scalar(select(func.count(Service.id))), session.scalar(select(func.count(Technician.id))))
    assert after == before
    assert session.scalar(select(func.count(BusinessSetting.key))) == 1


def test_profile_round_trip(profile):
    assert profile.name == "Lakeshore Plumbing"
    assert str(profile.tz) == "America/Chicago"
    assert profile.hours_on(__import__("datetime").date(2026, 11, 22)) is None  # a Sunday
    assert "60610" in profile.service_area_zips
    assert "emergency" in profile.faq["business_hours"]


def test_seed_stores_e164_phones_and_prices(session):
    mike = session.scalars(select(Technician).where(Technician.name == "Mike Alvarez")).one()
    assert mike.phone == "+13125550111" and "water_heaters" in mike.skills
    heater = session.scalars(select(Service).where(Service.slug == "water_heater")).one()
    assert (int(heater.price_min), int(heater.price_max), heater.duration_minutes) == (200, 2800, 180)


def test_seeding_again_keeps_what_the_owner_changed(session):
    from business.profile import load_profile_data, save_profile_data

    data = load_profile_data(session=session)
    save_profile_data(session=session, data={**data, "name": "Lakeshore Plumbing & Heating"})
    heater = session.scalars(select(Service).where(Service.slug == "water_heater")).one()
    heater.price_max = 3000
    session.commit()
    seed(session=session, data_dir=DATA_DIR)
    assert load_profile_data(session=session)["name"] == "Lakeshore Plumbing & Heating"
    assert int(heater.price_max) == 3000
    seed(session=session, data_dir=DATA_DIR, overwrite=True)
    assert load_profile_data(session=session)["name"] == "Lakeshore Plumbing"
    assert int(heater.price_max) == 2800
