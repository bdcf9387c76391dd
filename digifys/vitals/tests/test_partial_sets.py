"""Partial sets (issue #19 item 1): sub-scores and the red flag for ANY set, complete or not.

RCP NEWS2 Chart 4: a score of 3 in any single parameter needs an urgent ward-based response; only
the *total* needs a complete set (domain-spec §1.4–1.6). Input from the issue: a complete set
scoring 0 at 08:00, then at 10:00 only SpO2 82 on air and pulse 135, each a 3.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from digifys.vitals import news2, services
from digifys.vitals.models import Level, Observation
from digifys.worklist import selectors

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EIGHT = datetime.datetime(2026, 3, 10, 8, 0, tzinfo=STOCKHOLM)
TEN = EIGHT + datetime.timedelta(hours=2)
CALM = {
    "respiratory_rate": "16",
    "spo2": "97",
    "on_oxygen": False,
    "systolic_bp": "130",
    "pulse": "72",
    "consciousness": "A",
    "temperature": "36,8",
}
PARTIAL_RED = {"spo2": "82", "on_oxygen": False, "pulse": "135"}


@pytest.fixture(autouse=True)
def _long_sessions(settings):
    settings.SESSION_COOKIE_AGE = 14 * 24 * 3600


def _observe(world, at, **values):
    with time_machine.travel(at, tick=False):
        return services.record_observation(
            actor=world.nurse_mala, resident=world.resident_mala, **values
        )


def _issue_example(world) -> Observation:
    _observe(world, EIGHT, **CALM)
    return _observe(world, TEN, **PARTIAL_RED)


def test_a_partial_set_gets_its_sub_scores_and_the_red_flag(world):
    partial = _issue_example(world)
    partial.refresh_from_db()
    assert partial.news2_total is None  # no total without a complete set
    assert partial.news2_subscores == {"spo2": 3, "air_or_oxygen": 0, "pulse": 3}
    assert partial.red_flag is True
    assert partial.news2_band == Observation.Band.LOW_MEDIUM
    assert partial.level == Level.LOW_MEDIUM
    response = services.response_for(partial)
    assert response.rule.monitor_every_minutes == 60
    assert response.prompts_consult


def test_a_partial_set_without_a_3_has_sub_scores_but_no_band(world):
    partial = _observe(world, TEN, spo2="94", pulse="95")
    partial.refresh_from_db()
    assert partial.news2_subscores == {"spo2": 1, "pulse": 1}
    assert (partial.red_flag, partial.news2_band, partial.level) == (False, "", None)


def test_the_calculator_scores_the_parameters_it_is_given():
    result = news2.score_parameters(spo2=82, spo2_scale=1, on_oxygen=False, pulse=135)
    assert result.subscores == {"spo2": 3, "air_or_oxygen": 0, "pulse": 3}
    assert result.red_flag is True
    assert result.total is None
    assert result.band == "low-medium"
    # Scale 2 at 93 % or more depends on air or oxygen: not scored while that is unknown.
    assert news2.score_parameters(spo2=95, spo2_scale=2).subscores == {}
    assert news2.score_parameters(spo2=85, spo2_scale=2).subscores == {"spo2": 2}


def test_the_result_page_says_incomplete_single_parameter_red_score_with_the_response(world, login):
    partial = _issue_example(world)
    client = login(world.nurse_mala, language="en")
    page = client.get(reverse("vitals:result", args=[partial.pk])).content.decode()
    assert "Incomplete – single-parameter red score" in page
    assert "Send SBAR" in page
    assert "at least every hour" in page


def test_the_preview_of_a_partial_set_shows_the_red_score(world, login):
    client = login(world.nurse_mala, language="en")
    form = {"spo2": "82", "on_oxygen": "air", "pulse": "135", "spo2_scale": "1"}
    page = client.post(reverse("vitals:preview", args=[world.resident_mala.pk]), form)
    text = page.content.decode()
    assert "Incomplete – single-parameter red score" in text
    assert "vitals-subscore-3" in text


def test_the_worklist_raises_attention_and_makes_the_next_check_due_within_the_hour(world):
    _issue_example(world)
    with time_machine.travel(TEN + datetime.timedelta(minutes=5), tick=False):
        worklist = selectors.unit_worklist(unit=world.unit_mala, user=world.nurse_mala)
    row = next(row for row in worklist.rows if row.resident == world.resident_mala)
    assert row.needs_attention
    assert any("single-parameter red score" in reason for reason in row.attention_reasons)
    # The 08:00 score 0 said "in 12 hours" (20:00); the 10:00 red score says within the hour.
    assert row.due_at == TEN + datetime.timedelta(hours=1)
    with translation.override("en"):
        assert row.due_text == "Due in 55 min"


def test_the_worklist_page_and_the_sbar_show_the_red_score(world, login):
    from digifys.consults.selectors import sbar_assessment

    partial = _issue_example(world)
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(TEN + datetime.timedelta(minutes=5), tick=False):
        html = client.get(reverse("worklist:unit", args=[world.unit_mala.pk])).content.decode()
    start = html.index(f'id="resident-{world.resident_mala.pk}"')
    row = html[start : html.index("</tr>", start)]
    assert "Incomplete – single-parameter red score" in row
    assert "Due in 55 min" in row
    with translation.override("sv"):
        swedish = translation.gettext("Incomplete – single-parameter red score")
    assert swedish != "Incomplete – single-parameter red score"
    assert swedish in sbar_assessment(partial)
