"""SMART App Launch with patient scopes (issue 14 §2): the standalone `launch/patient` context.

The user chooses a resident on the consent screen (among those the user may see); the token
response names it (`patient`) and the token reads that resident's compartment only.
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from digifys.testing.world import record_news2_six

from .conftest import vital
from .test_smart import REDIRECT_URI, _authorize_query, _launch_app, _outcome, _pkce

pytestmark = pytest.mark.django_db

SCOPE = "launch/patient patient/*.read"


def _app(world):
    return _launch_app(world, scopes=f"{SCOPE} user/*.read")


def _page(client, app, challenge, scope=SCOPE):
    return client.get(f"/oauth/authorize?{_authorize_query(app, challenge, scope=scope)}")


def _choose(client, page, patient):
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    return client.post("/oauth/authorize", {**form, "allow": "on", "patient": patient})


def _token(client, app, redirect, verifier):
    code = parse_qs(urlsplit(redirect["Location"]).query)["code"][0]
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_user_chooses_a_resident_and_the_token_names_it(world, login):
    app = _app(world)
    client = login(world.nurse_mala, language="en")
    verifier, challenge = _pkce()
    page = _page(client, app, challenge)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Which resident is the app for?" in text
    assert world.resident_mala.family_name in text
    assert world.resident_storuman.family_name not in text  # not hers to choose

    # No choice, or a resident she may not see: refused on the page, nothing issued.
    for patient in ("", str(world.resident_storuman.pk), "x"):
        again = _choose(client, page, patient)
        assert again.status_code == 400
        assert "Choose the resident the app is for." in again.content.decode()
        assert "Which resident is the app for?" in again.content.decode()

    redirect = _choose(client, page, str(world.resident_mala.pk))
    assert redirect.status_code == 302, redirect.content
    client.logout()
    token = _token(client, app, redirect, verifier)
    assert token["patient"] == str(world.resident_mala.pk)
    assert set(token["scope"].split()) == set(SCOPE.split())


def test_a_patient_token_reads_that_residents_compartment_only(world, login):
    mine = record_news2_six(world.nurse_mala, world.resident_mala)
    other = record_news2_six(world.nurse_mala, world.resident_mala_2)
    app = _app(world)
    client = login(world.nurse_mala, language="en")
    verifier, challenge = _pkce()
    redirect = _choose(client, _page(client, app, challenge), str(world.resident_mala.pk))
    client.logout()
    headers = {"Authorization": f"Bearer {_token(client, app, redirect, verifier)['access_token']}"}
    own, neighbour = world.resident_mala.pk, world.resident_mala_2.pk

    def get(path):
        return client.get(f"/fhir/R4/{path}", headers=headers)

    assert get(f"Patient/{own}").status_code == 200
    # The nurse may see the neighbour; the token for one resident may not.
    _outcome(get(f"Patient/{neighbour}"), 404)
    patients = get("Patient").json()
    assert [e["resource"]["id"] for e in patients["entry"]] == [str(own)]
    _outcome(get(f"Patient?_id={neighbour}"), 403)

    observations = get("Observation").json()
    subjects = {e["resource"]["subject"]["reference"] for e in observations["entry"]}
    assert subjects == {f"Patient/{own}"}
    assert get(f"Observation?subject=Patient/{own}").status_code == 200
    _outcome(get(f"Observation?subject=Patient/{neighbour}"), 403)
    _outcome(get(f"Observation?patient={own},{neighbour}"), 403)
    assert get(f"Observation/{mine.pk}-news2").status_code == 200
    _outcome(get(f"Observation/{other.pk}-news2"), 404)
    _outcome(get(f"Observation/{other.pk}-news2/_history"), 404)

    # Outside the compartment: other kinds of data, and any write.
    assert "Practitioner" in _outcome(get("Practitioner"), 403)["diagnostics"]
    _outcome(get("Organization"), 403)
    post = client.post(
        "/fhir/R4/Observation",
        vital(own, "8867-4", 72, "/min"),
        content_type="application/fhir+json",
        headers=headers,
    )
    _outcome(post, 403)


def test_patient_scopes_need_the_launch_context_and_do_not_mix_with_user_scopes(world, login):
    app = _app(world)
    client = login(world.nurse_mala)
    _verifier, challenge = _pkce()
    for scope in ("patient/*.read", "launch/patient patient/*.read user/*.read"):
        refused = _page(client, app, challenge, scope=scope)
        assert refused.status_code == 302 and "error=invalid_scope" in refused["Location"]
    # An app registered without patient scopes cannot ask for them.
    plain = _launch_app(world)
    refused = _page(client, plain, challenge)
    assert refused.status_code == 302 and "error=invalid_scope" in refused["Location"]


def test_patient_write_scopes_are_not_registered(world):
    with pytest.raises(ValueError):
        _launch_app(world, scopes="launch/patient patient/Observation.write")


def test_smart_configuration_says_patient_launch_is_supported(client):
    config = client.get("/fhir/R4/.well-known/smart-configuration").json()
    assert {"context-standalone-patient", "permission-patient", "launch-standalone"} <= set(
        config["capabilities"]
    )
    assert {"launch/patient", "patient/*.read"} <= set(config["scopes_supported"])
