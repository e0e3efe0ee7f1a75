"""US street addresses as callers say them, parsed with usaddress, and the service-area check."""
from __future__ import annotations

import re
from dataclasses import dataclass

import usaddress

from business.profile import BusinessProfile
from business.understanding.spoken_numbers import normalize_spoken_numbers

ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
TRAILING_ZIP = re.compile(r"[\s,]+(\d{5})(?:-\d{4})?\s*$")


@dataclass(frozen=True)
class Address:
    street: str
    city: str | None
    state: str | None
    zip_code: str | None

    def one_line(self) -> str:
        parts = [self.street, self.city, " ".join(p for p in (self.state, self.zip_code) if p)]
        return ", ".join(p for p in parts if p)


def parse_address(text: str) -> Address | None:
    """None when there is no street number and street name to send a technician to."""
    spoken = normalize_spoken_numbers(text.strip(), mode="address")
    cleaned = re.sub(r"^(it'?s|it is|my address is|the address is|i'?m at|we'?re at|at)\s+", "", spoken, flags=re.I)
    if not cleaned or len(cleaned) > 300:
        return None
    # Spoken addresses run the ZIP straight on ("apartment 4 60601"), which usaddress
    # reads as part of the unit, so a trailing ZIP is taken off before tagging.
    trailing = TRAILING_ZIP.search(cleaned)
    if trailing:
        cleaned = cleaned[: trailing.start()]
    try:
        tagged, _kind = usaddress.tag(cleaned)
    except usaddress.RepeatedLabelError:
        return None
    number = tagged.get("AddressNumber")
    street_parts = [tagged.get(k) for k in (
        "AddressNumber", "StreetNamePreDirectional", "StreetName", "StreetNamePostType",
        "StreetNamePostDirectional", "OccupancyType", "OccupancyIdentifier")]
    if not number or not tagged.get("StreetName"):
        return None
    street = " ".join(p for p in street_parts if p)
    zip_match = trailing or ZIP.search(tagged.get("ZipCode", "") or "")
    return Address(
        street=_title(street),
        city=_title(tagged["PlaceName"]) if tagged.get("PlaceName") else None,
        state=tagged.get("StateName", "").upper() or None,
        zip_code=zip_match.group(1) if zip_match else None,
    )


def _title(words: str) -> str:
    return " ".join(w if any(c.isdigit() for c in w) else w.capitalize() for w in words.split())


def in_service_area(profile: BusinessProfile, zip_code: str | None) -> bool:
    return zip_code is not None and zip_code in profile.service_area_zips
