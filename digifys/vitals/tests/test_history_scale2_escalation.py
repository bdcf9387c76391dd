"""The observation history, physicians' Scale-2 decisions and the unit escalation table."""

import datetime
import re

import pytest
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.vitals import services
from digifys.vitals.models import EscalationRule, Observation, Scale2Decision

from .conftest import MEDIUM_FORM

START = datetime.datetime(2026, 2, 1, 8, 0, tzinfo=datetime.UTC)


def _observations(world, totals, *, resident=None, start=START):
    """Store one observation per total (None = incomplete), an hour apart, oldest first."""
    resident = resident or world.resident_mala
    return Observation.objects.bulk_create(
        [
            Observation(
                resident=resident,
                unit=resident.unit,
                measured_at=start + datetime.timedelta(hours=i),
                recorded_by=world.nurse_mala,
                respiratory_rate=16,
                pulse=70 + i % 50,
                news2_total=total,
                news2_band="" if total is None else "high" if total >= 7 else "low",
                news2_subscores={},
            )
            for i, total in enumerate(totals)
        ]
    )


def _history(client, world, **params):
    return client.get(reverse("vitals:history", args=[world.resident_mala.pk]), params)


# --- History ----------------------------------------------------------------------------------


def test_the_history_says_what_to_do_when_there_is_nothing_yet(world, login):
    page = _history(login(world.nurse_mala, language="en"), world).content.decode()
    assert "No vital signs have been recorded for this resident yet." in page
    assert reverse("vitals:record", args=[world.resident_mala.pk]) in page


def test_the_history_lists_newest_first_with_trends_and_stockholm_times(world, login):
    # 08:00, 09:00, 10:00, 11:00, 12:00 UTC = 09:00 … 13:00 in Stockholm (winter time).
    _observations(world, [2, None, 5, 5, 3])
    page = _history(login(world.nurse_mala, language="en"), world).content.decode()
    times = re.findall(r"2026-02-01 (\d\d:\d\d)</a>", page)
    assert times == ["13:00", "12:00", "11:00", "10:00", "09:00"]
    trends = re.findall(r'<td class="vitals-trend"><span aria-hidden="true">(.)</span>', page)
    assert trends == ["↓", "→", "↑", "–", "–"]
    assert "Lower than the previous score (5)" in page
    assert "Higher than the previous score (2)" in page
    assert "Incomplete" in page
    assert "Scale 1" in page
    assert "Anna Nurse" in page


def test_the_history_paginates_and_the_trend_crosses_the_page_edge(world, login, settings):
    settings.DIGIFYS_PAGE_SIZE = 5
    _observations(world, [1] * 7 + [4] * 5)  # the oldest on page 1 compares with page 2
    client = login(world.nurse_mala, language="en")
    page = _history(client, world).content.decode()
    assert "Page 1 of 3" in page
    assert "12 observations" in page
    trends = re.findall(r'<td class="vitals-trend"><span aria-hidden="true">(.)</span>', page)
    assert trends == ["→", "→", "→", "→", "↑"]
    last = _history(client, world, page=3).content.decode()
    assert len(re.findall(r'<td class="vitals-trend">', last)) == 2


def test_the_history_uses_a_constant_number_of_queries(
    world, login, settings, django_assert_max_num_queries
):
    settings.DIGIFYS_PAGE_SIZE = 25
    client = login(world.nurse_mala)
    _observations(world, [1, 2])
    with django_assert_max_num_queries(30) as few:
        assert _history(client, world).status_code == 200
    _observations(world, list(range(20)) * 10, start=START + datetime.timedelta(days=30))
    with django_assert_max_num_queries(len(few)):
        assert _history(client, world).status_code == 200
    with django_assert_max_num_queries(len(few)):
        assert _history(client, world, page=4).status_code == 200


def test_the_history_logs_one_read(world, login):
    _observations(world, [1, 2, 3])
    before = AuditEvent.objects.count()
    _history(login(world.physician_spain), world)
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.action, e.resident_id, e.object_type) for e in events] == [
        ("read", world.resident_mala.pk, "observation_history")
    ]


# --- Scale 2 ----------------------------------------------------------------------------------


def _scale2_url(world):
    return reverse("vitals:scale2", args=[world.resident_mala.pk])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("nurse_mala", 403),
        ("coordinator", 403),
        ("relative_with_consent", 403),
        ("other_physician", 404),
    ],
)
def test_only_the_residents_physician_decides_on_scale_2(world, login, persona, status):
    client = login(world.persona(persona))
    assert client.get(_scale2_url(world)).status_code == status
    assert client.post(
        _scale2_url(world), {"target_low": "88", "target_high": "92"}
    ).status_code == (status)
    assert not Scale2Decision.objects.exists()


def test_scale_2_is_decided_used_and_ended(world, login):
    doctor = login(world.physician_spain, language="en")
    page = doctor.get(_scale2_url(world)).content.decode()
    assert "No Scale 2 decision is in force." in page
    assert 'value="88"' in page and 'value="92"' in page  # the usual target is pre-filled

    response = doctor.post(
        _scale2_url(world),
        {"target_low": "88", "target_high": "92", "note": "KOL med CO2-retention."},
    )
    assert response.status_code == 302
    decision = Scale2Decision.objects.get()
    assert (decision.target_low, decision.target_high) == (88, 92)
    assert decision.decided_by == world.physician_spain.staff_profile
    page = doctor.get(_scale2_url(world)).content.decode()
    assert "88–92 %" in page and "Carmen Doctor" in page and "KOL med CO2-retention." in page

    nurse = login(world.nurse_mala, language="en")
    response = nurse.post(
        reverse("vitals:record", args=[world.resident_mala.pk]),
        {**MEDIUM_FORM, "spo2": "89", "spo2_scale": "2"},
    )
    assert response.status_code == 302
    observation = Observation.objects.get()
    assert (observation.spo2_scale, observation.scale2_decision) == (2, decision)

    doctor = login(world.physician_spain, language="en")
    response = doctor.post(_scale2_url(world), {"action": "end"})
    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert services.scale2_decision_for(world.resident_mala) == decision
    response = doctor.post(_scale2_url(world), {"action": "end", "confirm": "on"})
    assert response.status_code == 302
    assert services.scale2_decision_for(world.resident_mala) is None
    decision.refresh_from_db()
    assert decision.ended_at is not None


def test_a_bad_scale_2_target_is_refused_and_kept_in_the_form(world, login):
    doctor = login(world.physician_spain, language="en")
    response = doctor.post(_scale2_url(world), {"target_low": "92", "target_high": "88"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "only for a prescribed SpO2 target of 88–92 %" in page
    assert 'value="92"' in page and 'value="88"' in page
    assert not Scale2Decision.objects.exists()


# --- Escalation table -------------------------------------------------------------------------


def _escalation_url(unit):
    return reverse("vitals:escalation", args=[unit.pk])


def _table_post(world, **changes) -> dict:
    """The coordinator's form as shown (every row at its current value), with CHANGES."""
    data = {}
    for level, rule in services.escalation_table(world.unit_mala).items():
        data[f"{level}-monitor_every_minutes"] = str(rule.monitor_every_minutes)
        data[f"{level}-response"] = rule.response
        data[f"{level}-suggested_urgency"] = rule.suggested_urgency
        if rule.call_112:
            data[f"{level}-call_112"] = "on"
    data.update(changes)
    return data


def test_the_escalation_table_shows_five_levels_marks_defaults_and_says_scoring_is_fixed(
    world, login
):
    page = login(world.coordinator, language="en").get(_escalation_url(world.unit_mala))
    page = page.content.decode()
    assert page.count("<legend>") == 5
    assert page.count(">Default</span>") == 5
    assert "NEWS2 scoring table itself is fixed" in page


def test_a_coordinator_changes_one_row_and_only_that_row_is_stored(world, login):
    client = login(world.coordinator, language="en")
    data = _table_post(
        world,
        **{
            "medium-monitor_every_minutes": "30",
            "medium-response": "Ring sjuksköterskan i beredskap och skicka SBAR.",
            "medium-suggested_urgency": "emergency",
        },
    )
    response = client.post(_escalation_url(world.unit_mala), data)
    assert response.status_code == 302
    rule = EscalationRule.objects.get()
    assert (rule.unit, rule.level, rule.monitor_every_minutes) == (world.unit_mala, "medium", 30)
    assert rule.suggested_urgency == "emergency"
    assert rule.updated_by == world.coordinator
    page = client.get(_escalation_url(world.unit_mala)).content.decode()
    assert page.count(">Default</span>") == 4
    assert "Eva Coordinator" in page


def test_a_bad_row_saves_nothing_and_keeps_what_was_typed(world, login):
    client = login(world.coordinator, language="en")
    data = _table_post(
        world,
        **{
            "zero-monitor_every_minutes": "600",
            "medium-monitor_every_minutes": "2",
            "high-response": " ",
        },
    )
    response = client.post(_escalation_url(world.unit_mala), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert not EscalationRule.objects.exists()
    assert "at least every 5 minutes" in page
    assert 'value="600"' in page and 'value="2"' in page


@pytest.mark.parametrize("persona", ["nurse_mala"])
def test_the_units_nurses_read_the_table_but_cannot_change_it(world, login, persona):
    client = login(world.persona(persona), language="en")
    page = client.get(_escalation_url(world.unit_mala)).content.decode()
    assert '<form method="post" novalidate class="escalation-form">' not in page
    assert "Emergency response" in page  # the high row's default response
    assert page.count(">Default</span>") == 5
    response = client.post(_escalation_url(world.unit_mala), _table_post(world))
    assert response.status_code == 403
    assert not EscalationRule.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("nurse_storuman", 404), ("physician_spain", 403), ("relative_with_consent", 403)],
)
def test_others_do_not_see_the_units_table(world, login, persona, status):
    client = login(world.persona(persona))
    assert client.get(_escalation_url(world.unit_mala)).status_code == status
    assert client.post(_escalation_url(world.unit_mala), _table_post(world)).status_code == status
    assert not EscalationRule.objects.exists()
