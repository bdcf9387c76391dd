"""The clinician's preferences page refuses bad input with a message, never a server error."""

import pytest
from django.urls import reverse

from digifys.workforce.models import Preference

pytestmark = pytest.mark.django_db


def test_a_unit_id_beyond_64_bits_is_an_invalid_choice_not_a_server_error(world, login):
    client = login(world.physician_spain, language="en")
    response = client.post(
        reverse("workforce:preferences"),
        {
            "max_hours": "30",
            "units": ["99999999999999999999"],
            "hours-TOTAL_FORMS": "0",
            "hours-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code in (200, 400)
    assert "is not a valid value" in response.content.decode()
    assert not Preference.objects.filter(staff=world.physician_spain.staff_profile).exists()
