"""SMART Backend Services with keys published at a jwks_uri (issue 14 §2): the server fetches
them from a local HTTP server started by the test, caches them, fetches again for an unknown
kid (key rotation), and refuses slow, large, failing or non-https sources."""

import http.server
import json
import threading
import time

import pytest

from digifys.fhir import services

from .test_smart import Key, _outcome, _refused, _token_request

pytestmark = pytest.mark.django_db


class KeyServer:
    """Serves BODY (a JWKS) at /jwks.json; counts the requests; can be slow or fail."""

    def __init__(self, jwks: dict):
        self.body = json.dumps(jwks).encode()
        self.status = 200
        self.delay = 0.0
        self.hits = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits += 1
                time.sleep(server.delay)
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def publish(self, jwks: dict) -> None:
        self.body = json.dumps(jwks).encode()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def key_server(settings):
    settings.DEBUG = True  # plain http on loopback: development and the demo only
    settings.FHIR_JWKS_TIMEOUT = 1
    settings.FHIR_JWKS_REFRESH_SECONDS = 0
    made = []

    def make(jwks):
        made.append(KeyServer(jwks))
        return made[-1]

    yield make
    for server in made:
        server.close()


def _register(world, uri):
    return services.register_backend_client(
        actor=world.administrator,
        user=world.nurse_mala,
        name="Fall sensor",
        jwks_uri=uri,
        scopes="system/*.read",
    ).application


def test_keys_are_fetched_from_the_jwks_uri_cached_and_refetched_for_a_new_kid(
    world, client, key_server
):
    first = Key("RS384")
    server = key_server(first.jwks)
    app = _register(world, server.url)

    response = _token_request(client, first.assertion(app.client_id))
    assert response.status_code == 200, response.content
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert (
        client.get(f"/fhir/R4/Patient/{world.resident_mala.pk}", headers=headers).status_code == 200
    )
    assert _token_request(client, first.assertion(app.client_id)).status_code == 200
    assert server.hits == 1  # the second assertion used the cached keys

    # The client rotates its key: an assertion with the new kid makes the server fetch again.
    second = Key("ES384")
    server.publish(second.jwks)
    assert _token_request(client, second.assertion(app.client_id)).status_code == 200
    assert server.hits == 2
    # A key the client no longer publishes is refused (the fresh set lacks it).
    _refused(_token_request(client, first.assertion(app.client_id)))


@pytest.mark.parametrize("problem", ["status", "slow", "large", "private-key", "not-json"])
def test_a_jwks_uri_that_fails_refuses_the_assertion(world, client, key_server, settings, problem):
    key = Key("RS384")
    server = key_server(key.jwks)
    app = _register(world, server.url)
    if problem == "status":
        server.status = 404
    elif problem == "slow":
        server.delay = 2.5
    elif problem == "large":
        settings.FHIR_JWKS_MAX_BYTES = 100
    elif problem == "private-key":
        import jwt

        private = jwt.algorithms.RSAAlgorithm.to_jwk(key.private, as_dict=True)
        server.publish({"keys": [{**private, "kid": key.kid}]})
    else:
        server.body = b"<html>"
    _refused(_token_request(client, key.assertion(app.client_id)))


def test_a_jwks_uri_is_https_and_public_outside_development(world, settings):
    settings.DEBUG = False
    settings.DEMO = False
    for uri in ("http://keys.example.org/jwks.json", "https://127.0.0.1/jwks.json", "ftp://x/y"):
        with pytest.raises(ValueError, match="jwks_uri"):
            _register(world, uri)
    with pytest.raises(ValueError, match="either"):
        services.register_backend_client(
            actor=world.administrator,
            user=world.nurse_mala,
            name="Both",
            jwks=Key("RS384").jwks,
            jwks_uri="https://keys.example.org/jwks.json",
            scopes="system/*.read",
        )


def test_an_oauth_token_from_jwks_uri_keys_reads_as_its_user(world, client, key_server):
    key = Key("ES384")
    app = _register(world, key_server(key.jwks).url)
    token = _token_request(client, key.assertion(app.client_id)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    _outcome(client.get(f"/fhir/R4/Patient/{world.resident_storuman.pk}", headers=headers), 404)
