"""The access log's client address behind reverse proxies (issue 20 item 8)."""

from django.test import RequestFactory, override_settings

from digifys.audit.services import client_ip

FACTORY = RequestFactory()


def _request(forwarded: str | None, remote: str = "10.0.0.5"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return FACTORY.get("/", **extra)


@override_settings(
    TRUSTED_PROXY_COUNT=1, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_a_spoofed_leftmost_forwarded_address_is_not_logged():
    # The client sent "X-Forwarded-For: 203.0.113.66"; the one trusted proxy appended the
    # address it saw the request come from.
    assert client_ip(_request("203.0.113.66, 198.51.100.7")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_with_two_proxies_the_address_the_outer_proxy_saw_is_logged():
    assert client_ip(_request("203.0.113.66, 198.51.100.7, 10.0.0.9")) == "198.51.100.7"


@override_settings(
    TRUSTED_PROXY_COUNT=0, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_request("203.0.113.66")) == "10.0.0.5"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_peer_address():
    assert client_ip(_request("198.51.100.7")) == "10.0.0.5"
    assert client_ip(_request(None)) == "10.0.0.5"
