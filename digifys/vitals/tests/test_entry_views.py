"""The vital-signs form, its live NEWS2 preview and the result page."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.residents.models import TreatmentLimitation
from digifys.vitals import services
from digifys.vitals.models import Observation

from .conftest import HIGH_FORM, MEDIUM_FORM, NORMAL_FORM

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _record_url(world, resident=None):
    return reverse("vitals:record", args=[(resident or world.resident_mala).pk])


def _preview_url(world, resident=None):
    return reverse("vitals:preview", args=[(resident or world.resident_mala).pk])


def _reads(before: int, resident) -> list[AuditEvent]:
    return [
        e
        for e in AuditEvent.objects.order_by("seq")[before:]
        if e.action == "read" and e.resident_id == resident.pk
    ]


def _error_beside(page: str, name: str) -> str:
    """Return the text of the error block that belongs to field NAME."""
    match = re.search(rf'<div class="field-error" id="id_{name}_error">(.*?)</div>', page, re.S)
    assert match, f"no error beside {name}"
    return match.group(1)


def _no_limitation_needed(world):
    return TreatmentLimitation.objects.create(
        resident=world.resident_mala,
        kind=TreatmentLimitation.Kind.NO_HOSPITAL,
        description="Ingen sjukhusvård; palliativ vård på boendet.",
        decided_by=world.physician_spain.staff_profile,
        unit=world.unit_mala,
    )


# --- The form ---------------------------------------------------------------------------------


def test_the_form_shows_who_the_resident_is_and_logs_one_read(world, login):
    before = AuditEvent.objects.count()
    response = login(world.nurse_mala, language="en").get(_record_url(world))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Greta Lind" in page
    assert world.resident_mala.display_identity_number in page
    assert "Avd 1 Björken" in page and "Malåhemmet" in page
    assert len(_reads(before, world.resident_mala)) == 1


def test_the_form_is_in_news2_chart_order_with_numeric_keyboards(world, login):
    page = login(world.nurse_mala).get(_record_url(world)).content.decode()
    order = [
        'name="respiratory_rate"',
        'name="spo2"',
        'name="spo2_scale"',
        'name="on_oxygen"',
        'name="oxygen_flow"',
        'name="systolic_bp"',
        'name="diastolic_bp"',
        'name="pulse"',
        'name="consciousness"',
        'name="temperature"',
        'name="weight"',
        'name="blood_glucose"',
        'name="pain"',
        'name="note"',
        'name="measured_at"',
    ]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)
    for name, keyboard in [("respiratory_rate", "numeric"), ("temperature", "decimal")]:
        tag = re.search(rf'<input type="text" name="{name}"[^>]*>', page).group(0)
        assert f'inputmode="{keyboard}"' in tag
    for level in "ACVPU":
        assert re.search(rf'<input type="radio" name="consciousness" value="{level}"', page)
    form = page.split('<form class="vitals-form')[1].split("</form>")[0]
    assert "tabindex" not in form  # the DOM order is the tab order


def test_the_page_is_swedish_by_default(world, login):
    page = login(world.nurse_mala).get(_record_url(world)).content.decode()
    assert '<html lang="sv"' in page


def test_the_form_posts_to_the_live_preview_as_the_nurse_types(world, login):
    page = login(world.nurse_mala).get(_record_url(world)).content.decode()
    form = re.search(r'<form class="vitals-form[^>]*>', page).group(0)
    assert f'hx-post="{_preview_url(world)}"' in form
    assert 'hx-trigger="input changed delay:300ms, change"' in form
    assert 'hx-target="#news2-preview"' in form
    assert 'id="news2-preview"' in page


def test_scale_2_is_offered_only_with_a_physicians_decision(world, login):
    client = login(world.nurse_mala, language="en")
    page = client.get(_record_url(world)).content.decode()
    assert 'name="spo2_scale" value="1"' in page
    assert 'name="spo2_scale" value="2"' not in page
    services.record_scale2_decision(
        actor=world.physician_spain, resident=world.resident_mala, target_low=88, target_high=92
    )
    page = client.get(_record_url(world)).content.decode()
    assert 'name="spo2_scale" value="2"' in page
    assert "target 88–92 %" in page
    assert "Carmen Doctor" in page  # who decided


def test_active_treatment_limitations_are_shown_on_the_form(world, login):
    _no_limitation_needed(world)
    page = login(world.nurse_mala, language="en").get(_record_url(world)).content.decode()
    assert "No hospital transfer" in page


def test_bad_input_is_refused_with_messages_beside_the_fields_and_nothing_is_saved(world, login):
    client = login(world.nurse_mala, language="en")
    typed = {**MEDIUM_FORM, "respiratory_rate": "abc", "spo2": "101", "note": "Blek och trött."}
    before = (Observation.objects.count(), AuditEvent.objects.count())
    response = client.post(_record_url(world), typed)
    page = response.content.decode()
    assert response.status_code == 400
    assert Observation.objects.count() == before[0]
    # Nothing written but the one read of the re-rendered page.
    assert [e.action for e in AuditEvent.objects.order_by("seq")[before[1] :]] == ["read"]
    assert 'role="alert"' in page
    assert "Respiration rate must be a whole number from 0 to 80" in _error_beside(
        page, "respiratory_rate"
    )
    assert "SpO2 must be a whole number from 1 to 100 %" in _error_beside(page, "spo2")
    assert 'aria-describedby="id_spo2_error"' in re.search(
        r'<input[^>]*name="spo2"[^>]*>', page
    ).group(0)
    # Every typed value is still there, as typed.
    for name in ("respiratory_rate", "spo2", "systolic_bp", "diastolic_bp", "pulse", "temperature"):
        assert re.search(rf'name="{name}" value="{re.escape(typed[name])}"', page), name
    assert re.search(r'name="consciousness" value="A"[^>]*checked', page)
    assert re.search(r'name="on_oxygen" value="air"[^>]*checked', page)
    assert "Blek och trött." in page


def test_a_diastolic_pressure_above_the_systolic_is_refused_beside_the_diastolic(world, login):
    client = login(world.nurse_mala, language="en")
    response = client.post(_record_url(world), {"systolic_bp": "100", "diastolic_bp": "120"})
    assert response.status_code == 400
    assert "lower than systolic" in _error_beside(response.content.decode(), "diastolic_bp")
    assert not Observation.objects.exists()


def test_scale_2_without_a_decision_is_refused_on_the_scale_field(world, login):
    client = login(world.nurse_mala, language="en")
    response = client.post(_record_url(world), {**MEDIUM_FORM, "spo2_scale": "2"})
    assert response.status_code == 400
    assert "physician has decided" in _error_beside(response.content.decode(), "spo2_scale")
    assert not Observation.objects.exists()


def test_an_empty_form_is_refused_with_a_message(world, login):
    response = login(world.nurse_mala, language="en").post(_record_url(world), {})
    assert response.status_code == 400
    assert "Enter at least one vital sign." in response.content.decode()
    assert not Observation.objects.exists()


def test_a_complete_set_is_saved_and_leads_to_its_result(world, login):
    response = login(world.nurse_mala).post(_record_url(world), NORMAL_FORM)
    observation = Observation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("vitals:result", args=[observation.pk])
    assert observation.news2_total == 0


def test_a_partial_set_is_saved_as_incomplete(world, login):
    client = login(world.nurse_mala, language="en")
    response = client.post(_record_url(world), {"pulse": "88", "temperature": "37,9"}, follow=True)
    observation = Observation.objects.get()
    assert observation.news2_total is None
    page = response.content.decode()
    assert "Incomplete" in page
    assert "SpO2 Scale 1" in page


@time_machine.travel(datetime.datetime(2026, 3, 1, 15, 0, tzinfo=STOCKHOLM), tick=False)
def test_the_time_of_measurement_is_stockholm_time_and_defaults_to_now(world, login):
    client = login(world.physician_spain)
    client.post(_record_url(world), {**NORMAL_FORM, "measured_at": "2026-03-01T14:30"})
    client.post(_record_url(world), NORMAL_FORM)
    earlier, now = Observation.objects.order_by("measured_at")
    assert earlier.measured_at == datetime.datetime(2026, 3, 1, 13, 30, tzinfo=datetime.UTC)
    assert now.measured_at == datetime.datetime(2026, 3, 1, 14, 0, tzinfo=datetime.UTC)


@time_machine.travel(datetime.datetime(2026, 3, 1, 15, 0, tzinfo=STOCKHOLM), tick=False)
def test_a_time_of_measurement_in_the_future_is_refused(world, login):
    client = login(world.nurse_mala, language="en")
    response = client.post(_record_url(world), {**NORMAL_FORM, "measured_at": "2026-03-01T16:00"})
    assert response.status_code == 400
    assert "in the future" in _error_beside(response.content.decode(), "measured_at")
    assert 'value="2026-03-01T16:00"' in response.content.decode()
    assert not Observation.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("nurse_storuman", 404),
        ("other_physician", 404),
        ("coordinator", 403),
        ("relative_with_consent", 403),
        ("administrator", 403),
    ],
)
def test_only_the_residents_clinicians_may_record(world, login, persona, status):
    client = login(world.persona(persona))
    assert client.get(_record_url(world)).status_code == status
    assert client.post(_record_url(world), NORMAL_FORM).status_code == status
    assert client.post(_preview_url(world), NORMAL_FORM).status_code == status
    assert not Observation.objects.exists()


def test_a_nurse_of_another_unit_sees_nothing_of_the_resident(world, login):
    observation = services.record_observation(
        actor=world.nurse_mala, resident=world.resident_mala, pulse="80"
    )
    client = login(world.nurse_storuman)
    before = AuditEvent.objects.count()
    for url in (
        reverse("vitals:result", args=[observation.pk]),
        reverse("vitals:history", args=[world.resident_mala.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "Lind" not in response.content.decode()
    assert AuditEvent.objects.count() == before


# --- Preview ----------------------------------------------------------------------------------


def test_the_preview_shows_total_band_subscores_and_scale_and_saves_nothing(world, login):
    client = login(world.nurse_mala, language="en")
    before = AuditEvent.objects.count()
    response = client.post(_preview_url(world), MEDIUM_FORM, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page  # a partial
    assert re.search(r'<span class="news2-total">6</span>', page)
    assert "Medium risk" in page
    assert "SpO2 Scale 1" in page
    scores = re.findall(r'<th scope="row">([^<]+)</th><td>[^<]*</td><td>(\d)</td>', page)
    assert [int(score) for _label, score in scores] == [2, 1, 0, 1, 1, 0, 1]
    assert "Greta" not in page and "Lind" not in page
    assert not Observation.objects.exists()
    assert AuditEvent.objects.count() == before


def test_the_preview_of_a_partial_set_says_incomplete_and_what_is_missing(world, login):
    client = login(world.nurse_mala, language="en")
    page = client.post(_preview_url(world), {"pulse": "88", "spo2": "95"}).content.decode()
    assert "Incomplete" in page
    assert "Missing:" in page and "Temperature" in page and "Respiration rate" in page
    assert 'class="news2-total"' not in page


def test_the_preview_shows_the_validation_messages(world, login):
    client = login(world.nurse_mala, language="en")
    page = client.post(_preview_url(world), {**MEDIUM_FORM, "pulse": "300"}).content.decode()
    assert "Pulse must be a whole number from 20 to 250" in page
    assert 'class="news2-total"' not in page
    page = client.post(_preview_url(world), {**MEDIUM_FORM, "spo2_scale": "2"}).content.decode()
    assert "Scale 2 may only be used when a physician has decided it" in page


def test_the_preview_uses_scale_2_when_a_decision_is_on_file(world, login):
    services.record_scale2_decision(actor=world.physician_spain, resident=world.resident_mala)
    client = login(world.nurse_mala, language="en")
    data = {**MEDIUM_FORM, "spo2": "89", "spo2_scale": "2"}
    page = client.post(_preview_url(world), data).content.decode()
    assert "SpO2 Scale 2" in page
    assert re.search(r'<span class="news2-total">5</span>', page)  # SpO2 89 scores 0 on Scale 2


def test_the_preview_only_answers_post(world, login):
    assert login(world.nurse_mala).get(_preview_url(world)).status_code == 405


# --- Result -----------------------------------------------------------------------------------


def test_a_medium_score_shows_the_band_the_response_and_the_sbar_link(world, login, consults_new):
    client = login(world.nurse_mala, language="en")
    response = client.post(_record_url(world), MEDIUM_FORM, follow=True)
    observation = Observation.objects.get()
    page = response.content.decode()
    assert response.redirect_chain == [(reverse("vitals:result", args=[observation.pk]), 302)]
    assert "Medium risk" in page
    assert re.search(r'<span class="news2-total">6</span>', page)
    assert "SpO2 Scale 1" in page
    assert "Urgent response" in page  # the unit's (default) response
    assert "at least every hour" in page
    assert f"{consults_new}?observation={observation.pk}&amp;urgency=urgent" in page
    assert "Call 112 per local routine." not in page


def test_a_high_score_tells_the_nurse_to_call_112_beside_the_treatment_limitation(
    world, login, consults_new
):
    _no_limitation_needed(world)
    client = login(world.nurse_mala, language="en")
    page = client.post(_record_url(world), HIGH_FORM, follow=True).content.decode()
    observation = Observation.objects.get()
    assert observation.news2_total == 18
    assert "High risk" in page
    alert = re.search(r'<div class="vitals-112" role="alert">(.*?)</div>', page, re.S).group(1)
    assert "Call 112 per local routine." in alert
    assert "treatment-limitation decision" in alert
    assert "No hospital transfer" in page
    assert f"{consults_new}?observation={observation.pk}&amp;urgency=emergency" in page
    assert "at least every 30 minutes" in page


def test_a_low_score_prompts_no_consult(world, login):
    client = login(world.nurse_mala, language="en")
    page = client.post(_record_url(world), NORMAL_FORM, follow=True).content.decode()
    assert "Low risk" in page
    assert "Send SBAR" not in page
    assert "at least every 12 hours" in page


def test_the_result_follows_the_units_own_escalation_table(world, login):
    services.update_escalation_rule(
        actor=world.coordinator,
        unit=world.unit_mala,
        level="zero",
        monitor_every_minutes=8 * 60,
        response="Kontrollera vitalparametrar varje morgon och kväll.",
    )
    page = (
        login(world.nurse_mala, language="en")
        .post(_record_url(world), NORMAL_FORM, follow=True)
        .content.decode()
    )
    assert "Kontrollera vitalparametrar varje morgon och kväll." in page
    assert "at least every 8 hours" in page


def test_the_result_page_logs_one_read(world, login):
    observation = services.record_observation(
        actor=world.nurse_mala, resident=world.resident_mala, pulse="80"
    )
    before = AuditEvent.objects.count()
    response = login(world.physician_spain).get(reverse("vitals:result", args=[observation.pk]))
    assert response.status_code == 200
    reads = _reads(before, world.resident_mala)
    assert [(e.object_type, e.object_id) for e in reads] == [("observation", str(observation.pk))]


def test_a_badly_written_time_and_bad_values_are_all_reported_at_once(world, login):
    client = login(world.nurse_mala, language="en")
    response = client.post(
        _record_url(world), {**NORMAL_FORM, "measured_at": "igår", "pulse": "500"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert _error_beside(page, "measured_at")
    assert "Pulse must be a whole number" in _error_beside(page, "pulse")
    assert 'value="igår"' in page
    assert not Observation.objects.exists()


def test_vitals_measured_for_a_task_lead_back_to_the_task(world, login):
    client = login(world.nurse_mala, language="en")
    page = client.get(_record_url(world) + "?task=42").content.decode()
    assert '<input type="hidden" name="task" value="42">' in page
    response = client.post(_record_url(world) + "?task=42", {**NORMAL_FORM, "task": "42"})
    observation = Observation.objects.get()
    assert response.url == reverse("vitals:result", args=[observation.pk]) + "?task=42"
    page = client.get(response.url).content.decode()
    assert reverse("orders:complete", args=[42]) in page
    assert (
        reverse("orders:complete", args=[42])
        not in client.get(
            reverse("vitals:result", args=[observation.pk]) + "?task=x"
        ).content.decode()
    )
