"""Region Västerbotten's geography, shipped as data (domain-spec §5)."""

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "geography.json"
VASTERBOTTEN_COUNTY = "24"


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    care_area: str
    population_2024: int


@cache
def _data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@cache
def municipalities() -> dict[str, Municipality]:
    """Return Västerbotten's 15 municipalities keyed by their four-digit code."""
    return {
        m["code"]: Municipality(m["code"], m["name"], m["care_area"], m["population_2024"])
        for m in _data()["municipalities"]
    }


def care_areas() -> dict[str, str]:
    return dict(_data()["care_areas"])


def county_name(municipality_code: str) -> str | None:
    """Return the name of the county a municipality code belongs to, or None if unknown."""
    return _data()["counties"].get(municipality_code[:2])


def is_well_formed(municipality_code: str) -> bool:
    return (
        bool(re.fullmatch(r"\d{4}", municipality_code))
        and county_name(municipality_code) is not None
    )


def is_in_vasterbotten(municipality_code: str) -> bool:
    """Return True for the codes of Västerbotten's municipalities (county 24)."""
    return municipality_code in municipalities()
