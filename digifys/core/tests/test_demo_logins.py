"""`make demo` tells the truth about how to log in (issue 12 §4 item 13): the login page's demo
buttons first and plainly, persona lines in Swedish (the demo's default language), the password
only with the authenticator it needs; a nurse with one unit lands on its worklist."""

from io import StringIO

import pytest
from django.urls import reverse

from digifys.accounts.demo import DEMO_PASSWORD, Login
from digifys.accounts.services import DEMO_ENROLMENT_CODE

pytestmark = pytest.mark.django_db

LOGINS = [
    Login(role="nurse", username="sjukskoterska.mala", name="Maria Lindqvist", detail="Malå"),
    Login(role="physician", username="lakare.malaga", name="Lucía Fernández", detail="Málaga"),
]


def _printed() -> str:
    from digifys.synth.management.commands.synth_region import Command

    command = Command(stdout=StringIO())
    command._print_logins(LOGINS)
    return command.stdout._out.getvalue()


def test_the_demo_buttons_come_first_and_plainly():
    text = _printed()
    assert "Demo: logga in som …" in text
    assert text.index("Demo: logga in som …") < text.index(DEMO_PASSWORD)
    assert "share one password" not in text and "delar ett lösenord" not in text


def test_the_password_is_printed_with_the_authenticator_and_enrolment_code_it_needs():
    text = _printed()
    line = next(line for line in text.splitlines() if DEMO_PASSWORD in line)
    assert "autentiseringsapp" in line and DEMO_ENROLMENT_CODE in line


def test_persona_lines_are_in_swedish():
    text = _printed()
    assert "Sjuksköterska" in text and "Läkare" in text
    assert "Roll" in text and "Användarnamn" in text
    assert "Role" not in text and "Username" not in text


def test_rundemo_says_how_to_log_in():
    from digifys.core.management.commands import rundemo

    assert "Demo: logga in som …" in rundemo.how_to_log_in("127.0.0.1", 8000)
    assert "http://127.0.0.1:8000/" in rundemo.how_to_log_in("127.0.0.1", 8000)


def test_a_nurse_with_one_unit_lands_on_its_worklist(world, login):
    client = login(world.nurse_mala)
    response = client.get("/", follow=True)
    unit = world.nurse_mala.staff_profile.units.get()
    assert response.redirect_chain[-1][0] == reverse("worklist:unit", kwargs={"unit_pk": unit.pk})


def test_the_readme_says_where_the_demo_nurse_lands():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert "share the password" not in readme
    assert "Demo: logga in som …" in readme
