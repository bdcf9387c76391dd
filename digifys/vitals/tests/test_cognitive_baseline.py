"""The resident's cognitive baseline beside "C – new confusion" (issue #19 item 11).

Stable, known cognitive impairment is not new confusion (RCP NEWS2 Chart 1, domain-spec §1.3): the
nurse needs the baseline beside the ACVPU choice, and it must be editable after registration,
through a service that logs the change.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.residents import services

BASELINE = "Känd Alzheimerdemens: orienterad till person, inte till tid och rum. Oftast lugn."


def _baseline_url(world):
    return reverse("residents:cognitive_baseline", args=[world.resident_mala.pk])


def test_the_vitals_form_shows_the_baseline_beside_new_confusion(world, login):
    world.resident_mala.cognitive_baseline = BASELINE
    world.resident_mala.save()
    client = login(world.nurse_mala, language="en")
    page = client.get(reverse("vitals:record", args=[world.resident_mala.pk])).content.decode()
    acvpu = page[page.index('class="field vitals-choice-field acvpu"') :]
    acvpu = acvpu[: acvpu.index("</fieldset>")]
    assert "C – New confusion" in acvpu
    assert "Cognitive baseline" in acvpu and BASELINE in acvpu
    assert _baseline_url(world) in acvpu


def test_the_vitals_form_says_when_no_baseline_is_documented(world, login):
    client = login(world.nurse_mala, language="en")
    page = client.get(reverse("vitals:record", args=[world.resident_mala.pk])).content.decode()
    assert "Cognitive baseline" in page and "Not documented." in page


def test_a_nurse_of_the_unit_changes_the_baseline_and_it_is_logged(world, login):
    client = login(world.nurse_mala, language="en")
    page = client.get(_baseline_url(world))
    assert page.status_code == 200
    before = AuditEvent.objects.count()
    response = client.post(_baseline_url(world), {"cognitive_baseline": BASELINE})
    assert response.status_code == 302
    world.resident_mala.refresh_from_db()
    assert world.resident_mala.cognitive_baseline == BASELINE
    [event] = AuditEvent.objects.order_by("seq")[before:]
    assert (event.action, event.object_type, event.actor_id) == (
        "update",
        "cognitive_baseline",
        world.nurse_mala.pk,
    )
    assert event.details == {"changed": True}


def test_the_service_refuses_others_and_overlong_text(world):
    from django.core.exceptions import ValidationError

    for actor in (world.coordinator, world.nurse_storuman):
        with pytest.raises(PermissionDenied):
            services.set_cognitive_baseline(actor=actor, resident=world.resident_mala, text="x")
    with pytest.raises(ValidationError):
        services.set_cognitive_baseline(
            actor=world.physician_spain, resident=world.resident_mala, text="x" * 2001
        )
    services.set_cognitive_baseline(
        actor=world.physician_spain, resident=world.resident_mala, text=BASELINE
    )
    world.resident_mala.refresh_from_db()
    assert world.resident_mala.cognitive_baseline == BASELINE


def test_an_overlong_baseline_is_refused_and_kept(world, login):
    client = login(world.nurse_mala, language="en")
    response = client.post(_baseline_url(world), {"cognitive_baseline": "y" * 2100})
    assert response.status_code == 400
    assert "y" * 2100 in response.content.decode()
    world.resident_mala.refresh_from_db()
    assert world.resident_mala.cognitive_baseline == ""
