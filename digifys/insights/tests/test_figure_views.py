"""The figures page: what each role sees, suppression on the page and in the CSV, the log."""

import pytest
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.insights import facts
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW

RANGE = {"start": FIRST.isoformat(), "end": LAST.isoformat()}


@pytest.fixture
def hand(world):
    hand = handmade.build(world)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    return hand


def test_coordinator_sees_the_region_and_drills_down(hand, login):
    w = hand.world
    client = login(w.coordinator, language="en")
    before = AuditEvent.objects.count()
    page = client.get(reverse("insights:figures"), {**RANGE, "figure": "contacts"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Region Västerbotten" in html and "Avd 1 Björken" in html  # the drill-down list
    # January and February: 24 + 4 (Storuman) contacts and 23 + 4; the region has 8 residents.
    assert "<td>28</td>" in html and "<td>27</td>" in html
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.object_type == "insights_figures" and event.resident_id is None
    assert event.purpose == "administration"
    unit = client.get(
        reverse("insights:figures"),
        {**RANGE, "level": "unit", "key": w.unit_storuman.pk, "figure": "contacts"},
    )
    # Storuman has two residents: every cell is withheld, on the page and in the CSV.
    assert "fewer than 5 residents" in unit.content.decode()
    assert "<td>6</td>" not in unit.content.decode()
    csv = client.get(
        reverse("insights:figures"),
        {**RANGE, "level": "unit", "key": w.unit_storuman.pk, "export": "series"},
    )
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "fewer than 5 residents" in text and ";6;" not in text
    assert AuditEvent.objects.order_by("-pk").first().action == "export"
    summary = client.get(reverse("insights:figures"), {**RANGE, "export": "summary"})
    assert "Physician contacts;55;" in summary.content.decode("utf-8-sig")


def test_physicians_see_their_own_figures_and_their_units_only(hand, login):
    w = hand.world
    client = login(w.physician_spain, language="en")
    own = client.get(reverse("insights:figures"), RANGE)
    assert own.status_code == 200 and "Carmen Doctor" in own.content.decode()
    assert "Nurse tasks done on time" not in own.content.decode()  # contact figures only
    unit = client.get(
        reverse("insights:figures"), {**RANGE, "level": "unit", "key": w.unit_mala.pk}
    )
    assert unit.status_code == 200
    other = {"level": "unit", "key": w.unit_storuman.pk}
    assert client.get(reverse("insights:figures"), other).status_code == 404
    someone = {"level": "physician", "key": hand.b.pk}
    assert client.get(reverse("insights:figures"), someone).status_code == 404
    region = {"level": "region", "key": w.region.pk}
    assert client.get(reverse("insights:figures"), region).status_code == 404
    nurse = login(w.nurse_mala)
    assert nurse.get(reverse("insights:figures")).status_code == 403


def test_bad_dates_say_so_and_show_the_last_year(hand, login):
    client = login(hand.world.coordinator, language="en")
    page = client.get(reverse("insights:figures"), {"start": "2026-13-01"})
    assert page.status_code == 200
    assert "Write the dates as YYYY-MM-DD" in page.content.decode()
    page = client.get(reverse("insights:figures"), {"start": "2026-02-01", "end": "2026-01-01"})
    assert "must run forwards" in page.content.decode()
    assert client.get(reverse("insights:figures"), {"level": "galaxy"}).status_code == 404


def test_the_nation_level_is_every_region_for_coordinators_only(hand, login):
    w = hand.world
    client = login(w.coordinator, language="en")
    nation = {**RANGE, "level": "nation", "figure": "contacts", "export": "series"}
    text = client.get(reverse("insights:figures"), nation).content.decode("utf-8-sig")
    # The hand-made world has one region: the nation's contacts are the region's (28 and 27).
    assert ";28;" in text and ";27;" in text
    page = client.get(reverse("insights:figures"), {**RANGE, "level": "nation"})
    assert page.status_code == 200 and "All regions" in page.content.decode()
    assert 'href="?level=unit' not in page.content.decode()  # no drill-down list of every unit
    physician = login(w.physician_spain)
    assert physician.get(reverse("insights:figures"), {"level": "nation"}).status_code == 404
