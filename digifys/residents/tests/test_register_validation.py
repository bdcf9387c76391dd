"""Registration refuses names that are no names and rooms the unit does not have (§4.8)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from digifys.residents import services
from digifys.residents.models import Resident

MALA_NUMBER = "19261223-9232"  # on Skatteverket's test list


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def unit(world):
    unit = world.unit_mala
    unit.first_room, unit.last_room = 101, 114
    unit.save()
    return unit


def _register(world, **fields):
    values = {
        "actor": world.coordinator,
        "identity_number": MALA_NUMBER,
        "given_name": "Sigrid",
        "family_name": "Holm",
        "home_municipality_code": "2418",
        "unit": world.unit_mala,
        "room": "",
    }
    values.update(fields)
    return services.register_resident(**values)


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Anna-Lena", "O'Brien"),
        ("Åsa Märta", "Öberg"),
        ("María José", "Núñez de la Peña"),
        ("Áilu", "Ŋuvvon-Sárá"),  # Northern Sami letters
        ("Máret", "Čuđe Ŧoamma Žán Šimmá"),
        ("Jeanne", "d’Arc"),
    ],
)
def test_real_names_in_swedish_spanish_and_sami_are_accepted(world, given, family):
    resident = _register(world, given_name=given, family_name=family)
    assert (resident.given_name, resident.family_name) == (given, family)


@pytest.mark.parametrize(
    "family",
    [
        "<b>Holm</b>",
        "Holm<script>alert(1)</script>",
        "Holm3",
        "Holm; DROP",
        "-Holm",
        "Holm--",
        "H" * 61,
    ],
)
def test_a_family_name_that_is_no_name_is_refused_and_nothing_is_saved(world, family):
    with pytest.raises(ValidationError) as caught:
        _register(world, family_name=family)
    assert "family_name" in caught.value.message_dict
    assert not Resident.objects.filter(identity_number="192612239232").exists()


def test_a_hundred_character_surname_is_refused_with_the_limit(world):
    with pytest.raises(ValidationError) as caught:
        _register(world, family_name="Holm" * 25)
    assert "at most 60 characters (this one has 100)" in caught.value.message_dict["family_name"][0]


def test_sixty_characters_are_accepted_and_spaces_are_tidied(world):
    resident = _register(world, given_name="  Anna   Lena ", family_name="A" * 60)
    assert resident.given_name == "Anna Lena"
    assert len(resident.family_name) == 60


def test_a_room_the_unit_does_not_have_is_refused(world, unit):
    with pytest.raises(ValidationError) as caught:
        _register(world, room="199")
    message = caught.value.message_dict["room"][0]
    assert "101–114" in message
    assert not Resident.objects.filter(identity_number="192612239232").exists()


@pytest.mark.parametrize("room", ["100", "115", "12", "1O4", "<b>"])
def test_rooms_outside_the_range_or_not_numbers_are_refused(world, unit, room):
    with pytest.raises(ValidationError) as caught:
        _register(world, room=room)
    assert "room" in caught.value.message_dict


def test_a_room_of_the_unit_is_accepted(world, unit):
    assert _register(world, room=" 114 ").room == "114"


def test_a_unit_without_numbered_rooms_takes_any_room_label(world):
    assert _register(world, room="12B").room == "12B"


def test_the_form_shows_every_error_translated_and_keeps_what_was_typed(world, unit, login):
    response = login(world.coordinator, language="es").post(
        reverse("residents:register"),
        {
            "identity_number": MALA_NUMBER,
            "given_name": "<i>Sigrid</i>",
            "family_name": "Holm" * 25,
            "home_municipality_code": "2418",
            "unit": unit.pk,
            "room": "199",
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="&lt;i&gt;Sigrid&lt;/i&gt;"' in page
    assert f'value="{"Holm" * 25}"' in page
    assert 'value="199"' in page
    assert "101–114" in page
    assert "at most 60 characters" not in page  # Spanish, not English
    assert not Resident.objects.filter(identity_number="192612239232").exists()
