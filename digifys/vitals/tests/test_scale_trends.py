"""SpO2 Scale 2 in use (issue #19 item 5): the vitals form defaults to the resident's Scale-2
decision while it is in force, and trends mark a change of scale instead of an arrow (a total on
Scale 1 and one on Scale 2 are not comparable; RCP NEWS2 Chart 1, domain-spec §1.2).
"""

import datetime
import re

from django.urls import reverse
from django.utils import translation

from digifys.vitals import services
from digifys.vitals.models import Observation
from digifys.worklist import selectors

from .test_scale2_rules import SET


def _decide(world):
    return services.record_scale2_decision(
        actor=world.physician_spain, resident=world.resident_mala, target_low=88, target_high=92
    )


def _checked_scale(page: str) -> str:
    match = re.search(r'<input[^>]*name="spo2_scale"[^>]*value="(\d)"[^>]*checked', page)
    assert match, "no SpO2 scale is checked"
    return match.group(1)


def test_the_form_defaults_to_scale_2_while_a_decision_is_in_force(world, login):
    client = login(world.nurse_mala, language="en")
    url = reverse("vitals:record", args=[world.resident_mala.pk])
    assert _checked_scale(client.get(url).content.decode()) == "1"
    _decide(world)
    assert _checked_scale(client.get(url).content.decode()) == "2"


def _two_sets_across_a_change_of_scale(world):
    start = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)
    first = services.record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        measured_at=start,
        **SET,  # Scale 1: SpO2 89 → 3
    )
    _decide(world)
    second = services.record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        measured_at=start + datetime.timedelta(hours=1),
        spo2_scale=2,
        **{**SET, "pulse": 95},  # Scale 2: SpO2 89 → 0, pulse 1
    )
    assert (first.news2_total, second.news2_total) == (3, 1)
    return first, second


def test_the_history_marks_a_change_of_scale_instead_of_an_arrow(world, login):
    _two_sets_across_a_change_of_scale(world)
    client = login(world.nurse_mala, language="en")
    page = client.get(reverse("vitals:history", args=[world.resident_mala.pk])).content.decode()
    newest = page[page.index("<tbody>") : page.index("</tr>", page.index("<tbody>"))]
    assert "↓" not in newest
    assert "Scale 1 → 2" in newest
    assert "not comparable" in newest


def test_the_worklist_marks_a_change_of_scale_instead_of_an_arrow(world, login):
    _two_sets_across_a_change_of_scale(world)
    row = next(
        row
        for row in selectors.unit_worklist(unit=world.unit_mala, user=world.nurse_mala).rows
        if row.resident == world.resident_mala
    )
    assert row.trend == "scale"
    with translation.override("en"):
        assert "not comparable" in row.trend_text
    client = login(world.nurse_mala, language="en")
    html = client.get(reverse("worklist:unit", args=[world.unit_mala.pk])).content.decode()
    start = html.index(f'id="resident-{world.resident_mala.pk}"')
    greta = html[start : html.index("</tr>", start)]
    assert "↓" not in greta and "Scale 1 → 2" in greta


def test_the_consult_inbox_trend_marks_a_change_of_scale(world):
    from digifys.consults.selectors import Score

    first, second = _two_sets_across_a_change_of_scale(world)
    assert Score(observation=second, previous=first).trend == "scale"
    assert Observation.objects.count() == 2
