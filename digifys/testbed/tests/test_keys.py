"""The company registers key clients (SMART Backend Services) on its testbed page: a pasted JWKS
of RS384/ES384 public keys or a jwks_uri; private key material and other keys are refused with a
clear message and nothing lost; revoking asks first, then the client's tokens stop working."""

import json

import jwt
import pytest
from django.urls import reverse

from digifys.fhir.models import SmartClient
from digifys.fhir.tests.test_smart import Key, _token_request
from digifys.testbed import services, tasks
from digifys.testing.accounts import complete_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(client, sandbox):
    user = sandbox.application.user
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    complete_second_factor(client, user)
    return client


def _post(company, **fields):
    return company.post(reverse("testbed:keys"), {"name": "Wristband", **fields})


def test_a_pasted_jwks_registers_a_client_that_gets_tokens_for_the_sandbox(company, sandbox):
    key = Key("ES384")
    page = _post(company, jwks=json.dumps(key.jwks))
    assert page.status_code == 200, page.content
    client = SmartClient.objects.get()
    assert client.application.user == sandbox.device_user
    assert client.application.client_id in page.content.decode()
    token = _token_request(company, key.assertion(client.application.client_id)).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    bundle = company.get("/fhir/R4/Patient", headers=headers).json()
    assert bundle["total"] == sandbox.resident_count()
    # After a reset the key client acts for the new device user, as the token clients do.
    services.request_reset(actor=sandbox.application.user, application=sandbox.application)
    tasks.reset_sandbox.call(sandbox_id=sandbox.pk)
    sandbox.refresh_from_db()
    client.application.refresh_from_db()
    assert client.application.user == sandbox.device_user


@pytest.mark.parametrize(
    "jwks, message",
    [
        ("{not json", "This is not JSON."),
        ('{"nokeys": []}', 'A JWKS is a JSON object with a list "keys".'),
        ("private", "This contains private key material."),
        ("rs256", "Only RS384 (RSA) and ES384 (EC P-384) public keys are accepted."),
        ("p256", "Only RS384 (RSA) and ES384 (EC P-384) public keys are accepted."),
    ],
)
def test_bad_keys_are_refused_clearly_and_nothing_is_lost(company, jwks, message):
    from cryptography.hazmat.primitives.asymmetric import ec

    key = Key("RS384")
    if jwks == "private":
        jwks = json.dumps({"keys": [jwt.algorithms.RSAAlgorithm.to_jwk(key.private, as_dict=True)]})
    elif jwks == "rs256":
        jwks = json.dumps({"keys": [{**key.jwks["keys"][0], "alg": "RS256"}]})
    elif jwks == "p256":
        public = ec.generate_private_key(ec.SECP256R1()).public_key()
        jwks = json.dumps({"keys": [jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True)]})
    page = _post(company, jwks=jwks)
    assert page.status_code == 400
    text = page.content.decode()
    assert message.replace('"', "&quot;") in text
    assert "Wristband" in text  # what was typed is still there
    assert not SmartClient.objects.exists()


def test_keys_or_their_address_not_both_and_https_only(company, settings):
    settings.DEBUG = settings.DEMO = False
    key = Key("RS384")
    both = _post(company, jwks=json.dumps(key.jwks), jwks_uri="https://keys.example.org/j")
    assert both.status_code == 400 and "not both and not neither" in both.content.decode()
    assert _post(company).status_code == 400
    local = _post(company, jwks_uri="http://127.0.0.1/jwks.json")
    assert local.status_code == 400 and "https address" in local.content.decode()
    assert not SmartClient.objects.exists()
    assert _post(company, jwks_uri="https://keys.example.org/jwks.json").status_code == 200
    assert SmartClient.objects.get().jwks_uri == "https://keys.example.org/jwks.json"


def test_revoking_asks_first_then_the_tokens_stop_working(company, sandbox):
    key = Key("RS384")
    _post(company, jwks=json.dumps(key.jwks))
    client = SmartClient.objects.get()
    token = _token_request(company, key.assertion(client.application.client_id)).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    url = reverse("testbed:key_revoke", args=[client.pk])
    assert "Yes, revoke" in company.get(url).content.decode()
    assert SmartClient.objects.exists()  # asking changes nothing
    assert company.post(url).status_code == 302
    assert not SmartClient.objects.exists()
    assert company.get("/fhir/R4/Patient", headers=headers).status_code == 401
    assert _token_request(company, key.assertion(client.application.client_id)).status_code == 400


def test_another_companys_key_client_is_not_found(company, world):
    from digifys.fhir import services as fhir_services

    other = fhir_services.register_backend_client(
        actor=world.administrator,
        user=world.nurse_mala,
        name="Region device",
        jwks=Key("RS384").jwks,
        scopes="system/*.read",
    )
    assert company.post(reverse("testbed:key_revoke", args=[other.pk])).status_code == 404
    assert SmartClient.objects.filter(pk=other.pk).exists()
