"""The public keys of a SMART Backend Services client registered by URL (`jwks_uri`).

The server fetches the client's JWKS when it verifies a client assertion:

- https only, and never an address in the server's own network (loopback, private, link-local),
  except for the demo and development on one machine (DEBUG or DIGIFYS_DEMO);
- FHIR_JWKS_TIMEOUT seconds at most, FHIR_JWKS_MAX_BYTES at most, no redirects, a 200 answer with
  a JWKS of public RSA or EC keys (`public_jwks`), else the assertion is refused;
- kept in the cache for FHIR_JWKS_CACHE_SECONDS; an assertion signed with a `kid` the cached set
  does not hold fetches the set again (key rotation), at most once per FHIR_JWKS_REFRESH_SECONDS.
"""

import json
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.cache import cache

from .subscriptions import private_endpoint


class JwksUnavailable(Exception):
    pass


def public_jwks(jwks) -> dict:
    """JWKS as registered: a JSON object of public RSA or EC keys (no private parts)."""
    from jwcrypto import jwk

    if isinstance(jwks, str):
        try:
            jwks = json.loads(jwks)
        except ValueError as error:
            raise ValueError("The JWKS is not JSON.") from error
    if not isinstance(jwks, dict) or not jwks.get("keys"):
        raise ValueError('The JWKS must be a JSON object with "keys".')
    try:
        keys = jwk.JWKSet.from_json(json.dumps(jwks))
    except Exception as error:  # jwcrypto raises several kinds for a malformed key
        raise ValueError(f"The JWKS cannot be read: {error}") from error
    for key in keys:
        if key.has_private or key.get("kty") not in ("RSA", "EC"):
            raise ValueError("Register public RSA or EC keys only (never the private key).")
    return jwks


def local_allowed() -> bool:
    return bool(settings.DEBUG or settings.DEMO)


def uri_problem(uri: str) -> str | None:
    """Why URI cannot be a client's jwks_uri (None when it can)."""
    parts = urlsplit(uri or "")
    schemes = ("https", "http") if local_allowed() else ("https",)
    if parts.scheme not in schemes or not parts.hostname or len(uri) > 1000:
        return "The jwks_uri must be an https URL."
    if not local_allowed() and private_endpoint(uri):
        return "The jwks_uri must be a public address, not one in the server's own network."
    return None


def _cache_key(client) -> str:
    return f"fhir:jwks:{client.application.client_id}"


def fetch(uri: str) -> dict:
    """The JWKS at URI, checked (JwksUnavailable says why not)."""
    problem = uri_problem(uri)
    if problem:
        raise JwksUnavailable(problem)
    limit = settings.FHIR_JWKS_MAX_BYTES
    try:
        with httpx.stream(
            "GET",
            uri,
            timeout=settings.FHIR_JWKS_TIMEOUT,
            follow_redirects=False,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise JwksUnavailable(f"The jwks_uri answered HTTP {response.status_code}.")
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise JwksUnavailable(f"The JWKS at the jwks_uri is over {limit} bytes.")
    except httpx.HTTPError as error:
        message = f"The jwks_uri could not be fetched: {error.__class__.__name__}."
        raise JwksUnavailable(message) from error
    try:
        return public_jwks(json.loads(body))
    except ValueError as error:
        raise JwksUnavailable(f"The jwks_uri holds no usable JWKS: {error}") from error


def keys_for(client, kid: str | None) -> dict:
    """CLIENT's JWKS: the registered one, or the one at its jwks_uri (cached; fetched again
    for an unknown KID, at most once per FHIR_JWKS_REFRESH_SECONDS)."""
    if client.jwks:
        return client.jwks
    key = _cache_key(client)
    cached = cache.get(key)
    if cached is not None:
        known = {k.get("kid") for k in cached["jwks"].get("keys", [])}
        if kid is None or kid in known or cache.get(key + ":recent"):
            return cached["jwks"]
    jwks = fetch(client.jwks_uri)
    cache.set(key, {"jwks": jwks}, settings.FHIR_JWKS_CACHE_SECONDS)
    cache.set(key + ":recent", True, settings.FHIR_JWKS_REFRESH_SECONDS)
    return jwks
