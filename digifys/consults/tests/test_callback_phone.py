"""The SBAR call-back number: only Swedish or Spanish numbers, stored E.164 (issue 12 §4.7)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from digifys.consults.models import Consult
from digifys.directory import phone

from .builders import send

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _url(resident):
    return reverse("consults:new", args=[resident.pk])


def _values(**overrides):
    values = {
        "caller_phone": "070-174 06 05",
        "situation": "Greta andas snabbare och är varm sedan i morse.",
        "background": "Hjärtsvikt, Furosemid.",
        "assessment": "NEWS2 6, medelhög risk.",
        "recommendation": "Bedömning inom 30 minuter.",
        "urgency": "urgent",
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("070-174 06 05", "+46701740605"),
        ("090-785 00 00", "+46907850000"),
        ("+46 70 174 06 05", "+46701740605"),
        ("+34 612 34 56 78", "+34612345678"),
        ("0034 952 12 34 56", "+34952123456"),
    ],
)
def test_swedish_and_spanish_numbers_are_stored_in_e164(typed, stored):
    assert phone.normalise(typed) == stored


@pytest.mark.parametrize(
    "typed", ["ring mig inte <script>", "12", "+1 202 555 0100", "070-174 06 05 5555 5555 5555"]
)
def test_text_that_is_no_swedish_or_spanish_number_is_refused(typed):
    with pytest.raises(ValidationError):
        phone.normalise(typed)


def test_numbers_are_shown_nationally_if_swedish_and_internationally_otherwise():
    assert phone.display("+46701740605") == "070-174 06 05"
    assert phone.display("+34612345678") == "+34 612 34 56 78"


@time_machine.travel(NOW, tick=False)
def test_a_callback_that_is_no_number_is_refused_nothing_is_sent_and_the_text_stays(world, login):
    response = login(world.nurse_mala, language="en").post(
        _url(world.resident_mala), _values(caller_phone="ring mig inte <script>")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a Swedish phone number (e.g. 070-123 45 67)" in html
    assert 'value="ring mig inte &lt;script&gt;"' in html
    assert "Greta andas snabbare och är varm sedan i morse." in html
    assert not Consult.objects.exists()


def test_the_message_is_translated(world, login):
    response = login(world.nurse_mala, language="es").post(
        _url(world.resident_mala), _values(caller_phone="ring mig inte")
    )

    assert response.status_code == 400
    assert "Enter a Swedish phone number" not in response.content.decode()


def test_the_service_refuses_a_callback_that_is_no_number(world):
    with pytest.raises(ValidationError) as caught:
        send(world, caller_phone="ring mig inte <script>")

    assert "caller_phone" in caught.value.message_dict
    assert not Consult.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_valid_number_is_stored_e164_shown_as_a_tel_link_and_prefilled_next_time(world, login):
    client = login(world.nurse_mala, language="en")
    client.post(_url(world.resident_mala), _values(caller_phone="0701740617"))
    consult = Consult.objects.get()
    assert consult.caller_phone == "+46701740617"

    page = client.get(reverse("consults:detail", args=[consult.pk])).content.decode()
    assert '<a href="tel:+46-70-174-06-17">070-174 06 17</a>' in page

    form = client.get(_url(world.resident_mala_2)).content.decode()
    assert 'value="070-174 06 17"' in form


def test_an_old_callback_that_is_no_number_is_neither_linked_nor_prefilled(world, login):
    consult = send(world)
    Consult.objects.filter(pk=consult.pk).update(caller_phone="ring mig inte <script>")
    client = login(world.nurse_mala, language="en")

    page = client.get(reverse("consults:detail", args=[consult.pk])).content.decode()
    assert "ring mig inte &lt;script&gt;" in page
    assert 'href="tel:ring' not in page
    assert "<script>" not in page.split("ring mig inte", 1)[1][:20]

    form = client.get(_url(world.resident_mala_2)).content.decode()
    assert "ring mig inte" not in form


def test_the_staff_phone_is_the_default_when_the_nurse_has_sent_no_consult(world, login):
    profile = world.nurse_mala.staff_profile
    profile.phone = "+46701740642"
    profile.save()

    form = login(world.nurse_mala, language="en").get(_url(world.resident_mala)).content.decode()

    assert 'value="070-174 06 42"' in form


def test_a_staff_phone_is_validated_and_stored_e164(world):
    profile = world.nurse_mala.staff_profile
    profile.phone = "ring mig inte"
    with pytest.raises(ValidationError):
        profile.full_clean()
    profile.phone = "+34 612 34 56 78"
    profile.full_clean()
    assert profile.phone == "+34612345678"
