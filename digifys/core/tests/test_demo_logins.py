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


def test_the_printed_logins_include_a_relative_and_a_resident():
    from digifys.synth.management.commands.synth_region import Command

    logins = [
        *LOGINS,
        Login(role="relative", username="anhorig", name="Eva Lind", detail="Barn – Greta Lind"),
        Login(role="resident", username="boende", name="Greta Lind", detail="Malåhemmet"),
    ]
    command = Command(stdout=StringIO())
    command._print_logins(logins)
    rows = command.stdout._out.getvalue().splitlines()
    assert any(" anhorig " in row and row.strip().startswith("Närstående") for row in rows)
    assert any(" boende " in row and row.strip().startswith("Boende") for row in rows)


def _demo_personas(world):
    from digifys.relatives.models import ResidentLogin

    world.relative_with_consent.username = "anhorig"
    world.relative_with_consent.save()
    world.resident_self.username = "boende"
    world.resident_self.save()
    assert ResidentLogin.objects.filter(user=world.resident_self).exists()


def test_the_login_page_has_demo_buttons_for_a_relative_and_a_resident(world, client, settings):
    from digifys.accounts.demo import demo_logins

    settings.DEMO = True
    _demo_personas(world)
    by_name = {login.username: login for login in demo_logins()}
    assert by_name["anhorig"].role == "relative"
    assert by_name["boende"].role == "resident"
    assert "Malåhemmet" in by_name["boende"].detail
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'value="anhorig"' in page and 'value="boende"' in page


@pytest.mark.parametrize(
    ("username", "lands_on"), [("anhorig", "relatives:home"), ("boende", "relatives:me")]
)
def test_the_demo_buttons_log_a_relative_and_a_resident_in(
    world, client, settings, username, lands_on
):
    settings.DEMO = True
    _demo_personas(world)
    response = client.post(reverse("accounts:demo_login"), {"username": username}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(lands_on)
    assert response.status_code == 200
