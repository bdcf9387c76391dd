"""OAuth 2.0 / SMART on FHIR (issue 14 §2): backend services with a key the test generates, app
launch with PKCE through the login, scopes per interaction, introspection, revocation and the
discovery document. Tokens come from django-oauth-toolkit's endpoints, never from the database."""

import base64
import datetime
import hashlib
import json
import secrets
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.urls import reverse
from oauth2_provider.models import AccessToken

from digifys.audit.models import AuditEvent
from digifys.fhir import services
from digifys.vitals import services as vitals_services

from .conftest import vital

pytestmark = pytest.mark.django_db

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_URL = "http://testserver/oauth/token"


class Key:
    """A key pair made by the test; `jwks` is what the company registers (public part only)."""

    def __init__(self, alg: str):
        self.alg = alg
        self.kid = uuid.uuid4().hex
        if alg == "RS384":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = ec.generate_private_key(ec.SECP384R1())
            public = jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwks = {"keys": [{**public, "kid": self.kid, "alg": alg, "use": "sig"}]}

    def assertion(self, client_id: str, *, aud=TOKEN_URL, lifetime=240, jti=None, **claims):
        now = int(time.time())
        body = {
            "iss": client_id,
            "sub": client_id,
            "aud": aud,
            "exp": now + lifetime,
            "jti": jti or uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(body, self.private, algorithm=self.alg, headers={"kid": self.kid})


def _backend(world, key, scopes="system/*.read", user=None):
    return services.register_backend_client(
        actor=world.administrator,
        user=user or world.nurse_mala,
        name="Fall sensor",
        jwks=key.jwks,
        scopes=scopes,
    ).application


def _token_request(client, assertion, scope="system/Patient.read"):
    return client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "scope": scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        },
    )


def _outcome(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]


def _observation(world):
    return vitals_services.record_observation(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        respiratory_rate=16,
        spo2=97,
        on_oxygen=False,
        systolic_bp=130,
        diastolic_bp=80,
        pulse=72,
        consciousness="A",
        temperature="36.8",
    )


# --- Backend services --------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["RS384", "ES384"])
def test_backend_services_token_reads_patients_but_not_observations(world, client, alg, settings):
    key = Key(alg)
    app = _backend(world, key)
    observation = _observation(world)

    response = _token_request(client, key.assertion(app.client_id))
    assert response.status_code == 200, response.content
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "system/Patient.read"
    assert token["expires_in"] == settings.FHIR_ACCESS_TOKEN_SECONDS == 900
    assert "refresh_token" not in token
    # Stored only as a hash (DOT's hashed token storage).
    stored = AccessToken.objects.get(application=app)
    assert token["access_token"] not in (stored.token, stored.token_checksum)
    assert stored.token_checksum == hashlib.sha256(token["access_token"].encode()).hexdigest()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    patient = client.get(f"/fhir/R4/Patient/{world.resident_mala.pk}", headers=headers)
    assert patient.status_code == 200, patient.content
    assert patient.json()["name"][0]["family"] == "Lind"

    refused = client.get(f"/fhir/R4/Observation/{observation.pk}-news2", headers=headers)
    issue = _outcome(refused, 403)
    assert "system/Observation.read" in issue["diagnostics"]
    searched = client.get("/fhir/R4/Observation", headers=headers)
    assert "system/Observation.read" in _outcome(searched, 403)["diagnostics"]


def test_backend_token_acts_for_its_user_and_is_logged_in_the_users_name(world, client):
    key = Key("ES384")
    app = _backend(world, key, user=world.nurse_storuman)
    token = _token_request(client, key.assertion(app.client_id)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # The Storuman nurse may not see the resident of Målå on the pages: not through the API either.
    assert (
        client.get(f"/fhir/R4/Patient/{world.resident_mala.pk}", headers=headers).status_code == 404
    )
    last = AuditEvent.objects.order_by("-seq").first()
    before = last.seq if last else 0
    response = client.get(f"/fhir/R4/Patient/{world.resident_storuman.pk}", headers=headers)
    assert response.status_code == 200
    entry = AuditEvent.objects.get(seq__gt=before, action="read")
    assert entry.actor_id == world.nurse_storuman.pk
    assert entry.details["api_client"] == f"oauth:{app.client_id}"
    assert entry.details["api_client_name"] == "Fall sensor"


def test_a_write_scope_lets_a_device_post_vitals(world, client):
    key = Key("RS384")
    app = _backend(world, key, scopes="system/Observation.write system/Patient.read")
    token = _token_request(client, key.assertion(app.client_id), "system/Observation.write")
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    body = vital(world.resident_mala.pk, "8867-4", 72, "/min")
    response = client.post(
        "/fhir/R4/Observation", body, content_type="application/fhir+json", headers=headers
    )
    assert response.status_code == 201, response.content
    # Write only: reading back is refused, naming the scope.
    read = client.get(f"/fhir/R4/Patient/{world.resident_mala.pk}", headers=headers)
    assert "system/Patient.read" in _outcome(read, 403)["diagnostics"]


def test_smart_v2_scopes_are_checked_per_interaction(world, client):
    key = Key("RS384")
    app = _backend(world, key, scopes="system/Patient.rs system/Observation.r")
    token = _token_request(client, key.assertion(app.client_id), "system/Patient.rs")
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert client.get("/fhir/R4/Patient", headers=headers).status_code == 200
    token = _token_request(client, key.assertion(app.client_id), "system/Observation.r")
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    _outcome(client.get("/fhir/R4/Observation", headers=headers), 403)  # r without s: no search


def test_a_client_cannot_ask_for_more_than_it_was_registered_for(world, client):
    key = Key("RS384")
    app = _backend(world, key, scopes="system/Patient.read")
    for scope in ("system/Observation.read", "system/*.read", "user/Patient.read"):
        response = _token_request(client, key.assertion(app.client_id), scope)
        assert response.status_code == 400, (scope, response.content)
        assert response.json()["error"] == "invalid_scope"


def _refused(response, fragment=""):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid_client"
    assert fragment in body.get("error_description", "")
    assert "access_token" not in body


def test_assertions_that_are_expired_replayed_misaddressed_or_badly_signed_are_refused(
    world, client
):
    key = Key("RS384")
    app = _backend(world, key)
    cid = app.client_id

    _refused(_token_request(client, key.assertion(cid, lifetime=-120)), "expiry")
    _refused(_token_request(client, key.assertion(cid, lifetime=3600)), "five minutes")
    _refused(_token_request(client, key.assertion(cid, aud="http://testserver/fhir/R4")), "aud")
    _refused(_token_request(client, key.assertion(cid, sub="somebody-else")), "subject")
    _refused(_token_request(client, Key("RS384").assertion(cid)), "signature")  # unknown key
    _refused(_token_request(client, key.assertion("no-such-client")), "no registered client")
    hs256 = jwt.encode({"iss": cid, "sub": cid, "aud": TOKEN_URL}, "secret" * 8, "HS256")
    _refused(_token_request(client, hs256), "RS384 or ES384")
    _refused(_token_request(client, "not a jwt"), "signed JWT")

    once = key.assertion(cid, jti="the-same-jti")
    assert _token_request(client, once).status_code == 200
    _refused(_token_request(client, once), "jti")
    _refused(_token_request(client, key.assertion(cid, jti="the-same-jti")), "jti")

    wrong_type = client.post(
        "/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:example:other",
            "client_assertion": key.assertion(cid),
        },
    )
    _refused(wrong_type, "client_assertion_type")


def test_a_client_with_keys_cannot_use_a_client_secret(world, client):
    key = Key("RS384")
    app = _backend(world, key)
    response = client.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": "x"},
    )
    _refused(response)


def test_registration_takes_public_keys_only(world):
    key = Key("RS384")
    private = jwt.algorithms.RSAAlgorithm.to_jwk(key.private, as_dict=True)
    with pytest.raises(ValueError, match="public"):
        _backend(world, type("K", (), {"jwks": {"keys": [private]}})())
    with pytest.raises(ValueError, match="keys"):
        _backend(world, type("K", (), {"jwks": {"nokeys": []}})())
    with pytest.raises(ValueError, match="system/"):
        _backend(world, key, scopes="user/*.read")


# --- Introspection and revocation --------------------------------------------------------------


def test_introspection_and_revocation(world, client):
    key = Key("ES384")
    app = _backend(world, key)
    token = _token_request(client, key.assertion(app.client_id)).json()["access_token"]
    auth = {"client_assertion_type": ASSERTION_TYPE}

    unauthenticated = client.post("/oauth/introspect", {"token": token})
    assert unauthenticated.status_code == 403

    info = client.post(
        "/oauth/introspect",
        {"token": token, **auth, "client_assertion": key.assertion(app.client_id)},
    ).json()
    assert info["active"] is True
    assert info["scope"] == "system/Patient.read"
    assert info["client_id"] == app.client_id
    assert info["exp"] > time.time()

    revoked = client.post(
        "/oauth/revoke",
        {"token": token, **auth, "client_assertion": key.assertion(app.client_id)},
    )
    assert revoked.status_code == 200, revoked.content
    info = client.post(
        "/oauth/introspect",
        {"token": token, **auth, "client_assertion": key.assertion(app.client_id)},
    ).json()
    assert info == {"active": False}
    read = client.get(
        f"/fhir/R4/Patient/{world.resident_mala.pk}", headers={"Authorization": f"Bearer {token}"}
    )
    _outcome(read, 401)


def test_an_expired_token_is_refused(world, client, settings):
    import time_machine

    key = Key("RS384")
    app = _backend(world, key)
    token = _token_request(client, key.assertion(app.client_id)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(
        seconds=settings.FHIR_ACCESS_TOKEN_SECONDS + 5
    )
    with time_machine.travel(later):
        _outcome(client.get(f"/fhir/R4/Patient/{world.resident_mala.pk}", headers=headers), 401)


# --- Discovery ---------------------------------------------------------------------------------


def test_smart_configuration_lists_endpoints_and_capabilities(client):
    response = client.get("/fhir/R4/.well-known/smart-configuration")
    assert response.status_code == 200
    config = response.json()
    assert config["token_endpoint"] == TOKEN_URL
    assert config["authorization_endpoint"] == "http://testserver/oauth/authorize"
    assert config["introspection_endpoint"] == "http://testserver/oauth/introspect"
    assert config["revocation_endpoint"] == "http://testserver/oauth/revoke"
    assert set(config["grant_types_supported"]) == {"authorization_code", "client_credentials"}
    assert "private_key_jwt" in config["token_endpoint_auth_methods_supported"]
    assert config["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert {"system/*.read", "system/Observation.write", "user/*.read"} <= set(
        config["scopes_supported"]
    )
    assert "launch-standalone" in config["capabilities"]
    # Every endpoint it names answers (not 404).
    for name in ("token_endpoint", "introspection_endpoint", "revocation_endpoint"):
        assert client.post(urlsplit(config[name]).path).status_code != 404


def test_capability_statement_names_smart_and_its_endpoints(client):
    security = client.get("/fhir/R4/metadata").json()["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    uris = {e["url"]: e["valueUri"] for e in security["extension"][0]["extension"]}
    assert uris["token"] == TOKEN_URL
    assert uris["authorize"] == "http://testserver/oauth/authorize"


# --- App launch (authorization code + PKCE) ----------------------------------------------------

REDIRECT_URI = "https://app.example.org/callback"


def _launch_app(world, scopes="user/*.read"):
    return services.register_launch_app(
        actor=world.administrator, name="Ward tablet app", redirect_uris=REDIRECT_URI, scopes=scopes
    ).application


def _pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def _authorize_query(app, challenge, *, method="S256", scope="user/*.read"):
    return urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "state": "state-123",
            "code_challenge": challenge,
            "code_challenge_method": method,
            "aud": "http://testserver/fhir/R4",
        }
    )


def _consent(client, app, challenge):
    page = client.get(f"/oauth/authorize?{_authorize_query(app, challenge)}")
    assert page.status_code == 200, page.content
    form = page.context["form"].initial
    return client.post(
        "/oauth/authorize",
        {**{k: v for k, v in form.items() if v is not None}, "allow": "on"},
    )


def test_app_launch_with_pkce_carries_the_user_and_the_policy(world, login):
    app = _launch_app(world)
    client = login(world.nurse_storuman, language="en")
    verifier, challenge = _pkce()

    page = client.get(f"/oauth/authorize?{_authorize_query(app, challenge)}")
    assert page.status_code == 200
    assert "Ward tablet app" in page.content.decode()
    assert "Read all kinds of data" in page.content.decode()

    redirect = _consent(client, app, challenge)
    assert redirect.status_code == 302
    target = urlsplit(redirect["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT_URI
    query = parse_qs(target.query)
    assert query["state"] == ["state-123"]

    client.logout()  # the app has no session: only the code and the verifier
    exchange = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT_URI,
        "client_id": app.client_id,
    }
    assert (
        client.post("/oauth/token", {**exchange, "code_verifier": "wrong" * 10}).status_code == 400
    )
    # A failed exchange does not burn the code in DOT; the right verifier gets the token.
    response = client.post("/oauth/token", {**exchange, "code_verifier": verifier})
    assert response.status_code == 200, response.content
    token = response.json()
    assert token["scope"] == "user/*.read"
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    # The Storuman nurse sees her own resident and not the Målå resident, as on her pages.
    mine = client.get(f"/fhir/R4/Patient/{world.resident_storuman.pk}", headers=headers)
    assert mine.status_code == 200
    _outcome(client.get(f"/fhir/R4/Patient/{world.resident_mala.pk}", headers=headers), 404)
    bundle = client.get("/fhir/R4/Patient", headers=headers).json()
    ids = {entry["resource"]["id"] for entry in bundle.get("entry", [])}
    assert str(world.resident_storuman.pk) in ids and str(world.resident_mala.pk) not in ids
    # Read scope only.
    post = client.post(
        "/fhir/R4/Observation",
        vital(world.resident_storuman.pk, "8867-4", 72, "/min"),
        content_type="application/fhir+json",
        headers=headers,
    )
    assert "user/Observation.write" in _outcome(post, 403)["diagnostics"]
    # The code is used once.
    assert client.post("/oauth/token", {**exchange, "code_verifier": verifier}).status_code == 400


def test_app_launch_refuses_plain_or_missing_pkce_and_saying_no(world, login):
    app = _launch_app(world)
    client = login(world.nurse_mala)
    verifier, challenge = _pkce()
    plain = client.get(f"/oauth/authorize?{_authorize_query(app, verifier, method='plain')}")
    assert plain.status_code == 302
    assert "error=invalid_request" in plain["Location"]
    query = _authorize_query(app, challenge).replace("code_challenge=", "x=")
    missing = client.get(f"/oauth/authorize?{query}")
    assert missing.status_code == 302 and "error=invalid_request" in missing["Location"]
    system = client.get(
        f"/oauth/authorize?{_authorize_query(app, challenge, scope='system/*.read')}"
    )
    assert system.status_code == 302 and "error=invalid_scope" in system["Location"]

    page = client.get(f"/oauth/authorize?{_authorize_query(app, challenge)}")
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    denied = client.post("/oauth/authorize", form)  # "Do not allow": no allow field
    assert denied.status_code == 302
    assert "error=access_denied" in denied["Location"]


def test_authorize_needs_the_login_and_its_second_factor(world, client):
    app = _launch_app(world)
    _verifier, challenge = _pkce()
    url = f"/oauth/authorize?{_authorize_query(app, challenge)}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    client.force_login(world.nurse_mala)  # password only, no second factor yet
    halfway = client.get(url)
    assert halfway.status_code == 302
    assert "/accounts/2fa/" in halfway["Location"]


def test_an_unknown_app_gets_an_error_page_not_a_redirect(world, login):
    client = login(world.nurse_mala, language="en")
    response = client.get("/oauth/authorize?response_type=code&client_id=nobody")
    assert response.status_code == 400
    assert "The app cannot be connected" in response.content.decode()


def test_an_authorization_code_lasts_sixty_seconds(world, login):
    import time_machine

    app = _launch_app(world)
    client = login(world.nurse_mala)
    verifier, challenge = _pkce()
    code = parse_qs(urlsplit(_consent(client, app, challenge)["Location"]).query)["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": app.client_id,
        "code_verifier": verifier,
    }
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(seconds=61)
    with time_machine.travel(later):
        response = client.post("/oauth/token", exchange)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


# --- No server errors on any input -------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_the_oauth_endpoints_never_answer_5xx(world, client):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    key = Key("ES384")
    app = _backend(world, key)
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=6,
    )
    claims = st.fixed_dictionaries(
        {},
        optional={
            "iss": st.sampled_from([app.client_id, "x"]) | json_values,
            "sub": st.sampled_from([app.client_id]) | json_values,
            "aud": st.sampled_from([TOKEN_URL, [TOKEN_URL]]) | json_values,
            "exp": st.integers(-(2**70), 2**70) | json_values,
            "jti": st.text() | json_values,
        },
    )
    header = st.fixed_dictionaries(
        {"alg": st.sampled_from(["RS384", "ES384", "none", "HS256"]) | json_values},
        optional={"kid": st.text() | json_values},
    )
    forged = st.builds(
        lambda h, c, sig: ".".join(
            [_b64(json.dumps(h).encode()), _b64(json.dumps(c).encode()), _b64(sig)]
        ),
        header,
        claims,
        st.binary(max_size=100),
    )
    signed = st.builds(
        lambda c: jwt.encode(c, key.private, algorithm="ES384", headers={"kid": key.kid}),
        st.fixed_dictionaries(  # what PyJWT signs: string iss and sub, integer exp
            {},
            optional={
                "iss": st.sampled_from([app.client_id, "x"]),
                "sub": st.sampled_from([app.client_id, "y"]),
                "aud": st.sampled_from([TOKEN_URL, [TOKEN_URL], "http://elsewhere/"]),
                "exp": st.integers(0, 2**40),
                "jti": st.text() | st.integers(),
            },
        ),
    )
    text = st.text(max_size=60)

    @settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        assertion=forged | signed | text,
        grant_type=st.sampled_from(["client_credentials", "authorization_code"]) | text,
        scope=st.sampled_from(["system/Patient.read", "system/*.rs", ""]) | text,
        assertion_type=st.just(ASSERTION_TYPE) | text,
        path=st.sampled_from(["/oauth/token", "/oauth/introspect", "/oauth/revoke"]),
    )
    def check(assertion, grant_type, scope, assertion_type, path):
        response = client.post(
            path,
            {
                "grant_type": grant_type,
                "scope": scope,
                "client_assertion_type": assertion_type,
                "client_assertion": assertion,
                "token": assertion,
            },
        )
        assert response.status_code < 500, response.content

    check()


def test_an_oauth_token_is_told_that_subscriptions_and_exports_need_an_api_client(world, client):
    """Subscriptions and bulk exports belong to a registered ApiClient; an OAuth token gets a
    403 OperationOutcome saying so (never a server error)."""
    key = Key("RS384")
    app = _backend(world, key)
    response = _token_request(client, key.assertion(app.client_id), scope="system/*.read")
    headers = {
        "Authorization": f"Bearer {response.json()['access_token']}",
    }
    for path in ("/fhir/R4/Subscription", "/fhir/R4/Subscription/1"):
        assert "OAuth 2.0" in _outcome(client.get(path, headers=headers), 403)["diagnostics"]
    kickoff = client.get("/fhir/R4/$export", headers={**headers, "Prefer": "respond-async"})
    assert "OAuth 2.0" in _outcome(kickoff, 403)["diagnostics"]
    status = client.get("/fhir/R4/$export-poll-status/1", headers=headers)
    assert "OAuth 2.0" in _outcome(status, 403)["diagnostics"]
