"""SMART App Launch with `openid fhirUser` (issue 14 §2): with the id_token key configured
(FHIR_OIDC_RSA_PRIVATE_KEY), the token response carries an id_token signed with it whose
`fhirUser` is the user's Practitioner; without it, nothing about OpenID Connect is advertised,
registered or granted."""

from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings

from digifys.fhir import services

from .test_smart import REDIRECT_URI, Key, _pkce, _token_request

pytestmark = pytest.mark.django_db

SCOPES = "openid fhirUser user/*.read"


def _forget_oauthlib_cores() -> None:
    """django-oauth-toolkit keeps the OAuthLib server it built on each view class
    (`_oauthlib_core`), with the settings of the first request: drop them, so that a test's
    OpenID Connect settings apply, and are not left behind for the tests after it."""
    from oauth2_provider.views.mixins import OAuthLibMixin

    classes = [OAuthLibMixin]
    while classes:
        cls = classes.pop()
        if "_oauthlib_core" in cls.__dict__:
            delattr(cls, "_oauthlib_core")
        classes.extend(cls.__subclasses__())


@pytest.fixture
def oidc(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.OAUTH2_PROVIDER = {
        **django_settings.OAUTH2_PROVIDER,
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": pem,
    }
    _forget_oauthlib_cores()
    yield key
    _forget_oauthlib_cores()


def _app(world, scopes=SCOPES):
    return services.register_launch_app(
        actor=world.administrator, name="Ward tablet app", redirect_uris=REDIRECT_URI, scopes=scopes
    ).application


def _launch(client, app, scope=SCOPES, nonce="nonce-42"):
    """Authorize as the logged-in user and exchange the code: the token response."""
    verifier, challenge = _pkce()
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "s",
        "nonce": nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "aud": "http://testserver/fhir/R4",
    }
    page = client.get(f"/oauth/authorize?{urlencode(query)}")
    assert page.status_code == 200, page.content
    form = page.context["form"].initial
    redirect = client.post(
        "/oauth/authorize", {**{k: v for k, v in form.items() if v is not None}, "allow": "on"}
    )
    assert redirect.status_code == 302, redirect.content
    code = parse_qs(urlsplit(redirect["Location"]).query)["code"][0]
    return client.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    )


def test_the_id_token_names_the_nurse_as_her_practitioner(world, login, oidc, client):
    app = _app(world)
    nurse = world.nurse_storuman
    web = login(nurse, language="en")
    response = _launch(web, app)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["scope"].split()) == set(SCOPES.split())
    config = client.get("/oauth/.well-known/openid-configuration").json()
    assert config["issuer"] == "http://testserver/oauth"
    keys = client.get(urlsplit(config["jwks_uri"]).path).json()["keys"]
    public = jwt.PyJWK(keys[0]).key
    claims = jwt.decode(body["id_token"], public, algorithms=["RS256"], audience=app.client_id)
    assert claims["iss"] == config["issuer"]
    assert claims["sub"] == str(nurse.pk)
    assert claims["nonce"] == "nonce-42"
    practitioner = f"http://testserver/fhir/R4/Practitioner/{nurse.staff_profile.pk}"
    assert claims["fhirUser"] == practitioner
    # The URL is the user's Practitioner, readable with the token the app got.
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    read = client.get(urlsplit(practitioner).path, headers=headers)
    assert read.status_code == 200 and read.json()["id"] == str(nurse.staff_profile.pk)


def test_openid_without_fhiruser_gives_an_id_token_without_the_claim(world, login, oidc):
    app = _app(world)
    response = _launch(login(world.nurse_storuman), app, scope="openid user/*.read")
    assert response.status_code == 200, response.content
    claims = jwt.decode(response.json()["id_token"], options={"verify_signature": False})
    assert "fhirUser" not in claims and claims["sub"] == str(world.nurse_storuman.pk)


def test_fhiruser_without_openid_is_refused(world, login, oidc):
    app = _app(world)
    web = login(world.nurse_storuman)
    _verifier, challenge = _pkce()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": "fhirUser user/*.read",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    refused = web.get(f"/oauth/authorize?{query}")
    assert refused.status_code == 302
    assert "error=invalid_scope" in refused["Location"]


def test_without_openid_a_launch_gets_no_id_token(world, login, oidc):
    app = _app(world)
    response = _launch(login(world.nurse_storuman), app, scope="user/*.read")
    assert response.status_code == 200 and "id_token" not in response.json()


def test_smart_configuration_advertises_openid_connect_with_its_key(client, oidc):
    config = client.get("/fhir/R4/.well-known/smart-configuration").json()
    assert "sso-openid-connect" in config["capabilities"]
    assert {"openid", "fhirUser"} <= set(config["scopes_supported"])
    assert config["issuer"] == "http://testserver/oauth"
    keys = client.get(urlsplit(config["jwks_uri"]).path).json()["keys"]
    assert keys and keys[0]["kty"] == "RSA" and "d" not in keys[0]


def test_without_the_key_nothing_of_openid_connect_is_advertised_or_granted(world, client):
    assert not django_settings.OAUTH2_PROVIDER["OIDC_ENABLED"]
    config = client.get("/fhir/R4/.well-known/smart-configuration").json()
    assert "sso-openid-connect" not in config["capabilities"]
    assert not {"openid", "fhirUser"} & set(config["scopes_supported"])
    assert "issuer" not in config and "jwks_uri" not in config
    assert client.get("/oauth/.well-known/openid-configuration").status_code == 404
    assert client.get("/oauth/.well-known/jwks.json").status_code == 404
    with pytest.raises(ValueError, match="openid"):
        _app(world)


def test_backend_services_work_as_before_with_openid_connect_on(world, client, oidc):
    key = Key("ES384")
    smart = services.register_backend_client(
        actor=world.administrator,
        user=world.nurse_mala,
        name="Fall sensor",
        jwks=key.jwks,
        scopes="system/*.read",
    )
    response = _token_request(client, key.assertion(smart.application.client_id))
    assert response.status_code == 200, response.content
    assert "id_token" not in response.json()
    # openid is for an app launch (a user), never for a backend client.
    refused = _token_request(
        client, key.assertion(smart.application.client_id), scope="openid system/*.read"
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"


def test_a_user_who_is_no_practitioner_gets_no_fhiruser(world, login, oidc):
    app = _app(world)
    response = _launch(login(world.coordinator), app)
    assert response.status_code == 200, response.content
    claims = jwt.decode(response.json()["id_token"], options={"verify_signature": False})
    assert claims["sub"] == str(world.coordinator.pk) and "fhirUser" not in claims
