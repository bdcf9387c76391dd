"""Fixtures for the orders tests: a fixed clock, a consult from Malå and an order from it."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from digifys.consults.services import send_consult
from digifys.orders.services import place_order

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A Wednesday in January, 10:00 in Stockholm (and in Málaga).
WEDNESDAY_10 = datetime.datetime(2027, 1, 13, 10, 0, tzinfo=STOCKHOLM)


@pytest.fixture
def clock():
    """Stop the clock at WEDNESDAY_10; move it with `clock.shift(timedelta)`."""
    with time_machine.travel(WEDNESDAY_10, tick=False) as traveller:
        yield traveller


def a_consult(world, resident=None):
    return send_consult(
        actor=world.nurse_mala,
        resident=resident or world.resident_mala,
        urgency="urgent",
        situation="Greta är tröttare och andas snabbare sedan i morse.",
        background="Hjärtsvikt, KOL.",
        assessment="NEWS2 6: AF 22, SpO2 95, puls 95, temp 38,3.",
        recommendation="Bedömning inom 30 minuter.",
    )


def an_order(world, *, resident=None, from_consult=True, **arguments):
    """An order by physician_spain (from a new consult unless FROM_CONSULT is False)."""
    resident = resident or world.resident_mala
    arguments = {
        "kind": "vitals",
        "instructions": "Kontrollera vitalparametrar och NEWS2.",
        "first_due_at": WEDNESDAY_10 + datetime.timedelta(hours=1),
        **arguments,
    }
    consult = a_consult(world, resident) if from_consult else None
    return place_order(actor=world.physician_spain, resident=resident, consult=consult, **arguments)


@pytest.fixture
def consult(world, clock):
    return a_consult(world)
