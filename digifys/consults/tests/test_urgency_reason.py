"""A consult sent with a lower urgency than the unit's escalation table suggests needs a reason
(issue #19 item 12). Input from the issue: a NEWS2 ≥ 7 observation sent as "next ward round".
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from digifys.consults.models import Consult
from digifys.vitals import services as vitals
from digifys.vitals.models import Urgency

from .builders import record_vitals, send

# domain-spec §1.7 vector 4: NEWS2 18, high → the default table suggests "emergency".
HIGH = {
    "respiratory_rate": 26,
    "spo2": 90,
    "on_oxygen": True,
    "oxygen_flow": "2",
    "systolic_bp": 88,
    "pulse": 125,
    "consciousness": "V",
    "temperature": "39.4",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_news2_high_as_next_ward_round_without_a_reason_is_refused(world):
    observation = record_vitals(world, **HIGH)
    assert observation.news2_total >= 7
    assert vitals.suggested_urgency(observation) == Urgency.EMERGENCY
    with pytest.raises(ValidationError) as caught:
        send(world, observation=observation, urgency="next_round")
    assert "urgency_reason" in caught.value.message_dict
    assert not Consult.objects.exists()


def test_with_a_reason_it_is_sent_and_the_reason_is_kept(world):
    observation = record_vitals(world, **HIGH)
    reason = "Palliativ vård i livets slutskede; läkaren har beslutat ingen akut bedömning."
    consult = send(
        world, observation=observation, urgency="next_round", urgency_reason=f"  {reason} "
    )
    consult.refresh_from_db()
    assert consult.urgency == "next_round"
    assert consult.urgency_reason == reason


@pytest.mark.parametrize("urgency", ["emergency"])
def test_the_suggested_urgency_or_a_higher_one_needs_no_reason(world, urgency):
    observation = record_vitals(world, **HIGH)
    consult = send(world, observation=observation, urgency=urgency)
    assert consult.urgency_reason == ""


def test_medium_as_same_day_needs_a_reason_urgent_does_not(world):
    observation = record_vitals(world)  # NEWS2 6, medium → "urgent"
    with pytest.raises(ValidationError):
        send(world, observation=observation, urgency="same_day")
    assert send(world, observation=observation, urgency="urgent").urgency_reason == ""
    assert send(world, observation=observation, urgency="emergency").urgency_reason == ""


def test_the_form_asks_for_the_reason_and_the_consult_shows_it(world, login):
    observation = record_vitals(world, **HIGH)
    client = login(world.nurse_mala, language="en")
    url = reverse("consults:new", args=[world.resident_mala.pk])
    page = client.get(f"{url}?observation={observation.pk}").content.decode()
    assert "The unit's escalation table suggests" in page
    values = {
        "caller_phone": "070-174 06 05",
        "situation": "Greta är svår att väcka.",
        "background": "Hjärtsvikt.",
        "assessment": "NEWS2 18.",
        "recommendation": "Ring mig.",
        "urgency": "next_round",
        "observation": observation.pk,
    }
    refused = client.post(url, values)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "lower urgency" in text
    assert "Greta är svår att väcka." in text  # nothing typed is lost
    assert not Consult.objects.exists()
    sent = client.post(url, {**values, "urgency_reason": "Beslut om vård i livets slut."})
    assert sent.status_code == 302
    consult = Consult.objects.get()
    detail = client.get(reverse("consults:detail", args=[consult.pk])).content.decode()
    assert "Beslut om vård i livets slut." in detail
    assert "Reason for a lower urgency than suggested" in detail


def test_the_form_starts_at_the_urgency_the_escalation_table_suggests(world, login):
    observation = record_vitals(world, **HIGH)
    client = login(world.nurse_mala, language="en")
    url = reverse("consults:new", args=[world.resident_mala.pk])
    form = client.get(f"{url}?observation={observation.pk}").context["form"]
    assert form["urgency"].value() == Urgency.EMERGENCY
    # A link that names an urgency keeps it.
    form = client.get(f"{url}?observation={observation.pk}&urgency=urgent").context["form"]
    assert form["urgency"].value() == Urgency.URGENT
