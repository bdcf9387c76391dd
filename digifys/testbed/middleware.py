"""Recording the FHIR API requests of sandbox clients (the company's request log).

Only paths under /fhir/ and only clients that act for a sandbox's device user are recorded;
everything else passes untouched. Recording never changes or fails the API's answer.

Two kinds of client: a static-token client (`dfy_` token, an ApiClient), found by its token's
hash as before; and a key client (SMART Backend Services), found from the principal the FHIR
view authenticated (`request.fhir_principal`, set by digifys.fhir.views) — a region OAuth
client's request costs no query here (its user is not a sandbox user: `SANDBOX_USERNAME_PREFIX`),
and a sandbox's key client one.

A key client's requests refused before authentication are recorded when they can be told to it
safely, and only then:

- at the FHIR API, a bearer token that is no longer valid (expired) but was issued to the client:
  found by its hash, as a static token is (only who holds the token can send it);
- at the token endpoint (`/oauth/token`), every request the client authenticated, and a refused
  client assertion whose signature a key of the client verified (it was expired, for another
  audience, its jti used before…): `request.fhir_key_client`, set by digifys.fhir.smart.TokenView.
  An assertion that is not signed, or not by a key of the client it names in `iss`, is never
  recorded under that client: anyone can write a client id into a JWT.

An unknown or revoked (deleted) OAuth token names no client and is not recorded.
"""

import functools
import hashlib
import json
import logging
import time

from django.http.request import RawPostDataException
from django.urls import reverse
from oauth2_provider.models import get_access_token_model

from digifys.fhir.auth import TOKEN_PREFIX, token_hash
from digifys.fhir.models import ApiClient, SmartClient

from .models import SANDBOX_USERNAME_PREFIX, RequestLog, Sandbox

logger = logging.getLogger(__name__)
PREFIX = "/fhir/"


@functools.cache
def _token_path() -> str:
    return reverse("oauth:token")


def _json(raw: bytes):
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def _issues(body) -> list[str]:
    if not isinstance(body, dict):
        return []
    if isinstance(body.get("error"), str):  # the token endpoint's OAuth 2.0 error response
        return [body["error"][:100]]
    if body.get("resourceType") == "OperationOutcome":
        return [
            issue.get("code", "")
            for issue in body.get("issue", [])
            if issue.get("severity") in ("error", "fatal")
        ]
    return []


def _quantities(resource) -> list:
    """(system|code, unit) of each valueQuantity (and component) of an Observation."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
        return []
    found = []
    for item in [resource, *resource.get("component", [])]:
        quantity = item.get("valueQuantity") if isinstance(item, dict) else None
        if not isinstance(quantity, dict):
            continue
        codings = (item.get("code") or {}).get("coding") or [{}]
        first = codings[0] if isinstance(codings[0], dict) else {}
        found.append(
            [
                f"{first.get('system', '')}|{first.get('code', '')}",
                quantity.get("code") or quantity.get("unit") or "",
            ]
        )
    return found


def _codings(body) -> list:
    if not isinstance(body, dict):
        return []
    if body.get("resourceType") == "Bundle":
        found = []
        for entry in body.get("entry") or []:
            if isinstance(entry, dict):
                found.extend(_quantities(entry.get("resource")))
        return found
    return _quantities(body)


def _device_users():
    """The sandboxes' device users (a subquery)."""
    return Sandbox.objects.filter(device_user__isnull=False).values("device_user")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX) and request.path != _token_path():
            return self.get_response(request)
        try:
            body = request.body if request.method in ("POST", "PUT") else b""
        except RawPostDataException:  # a form post already read as a stream: not a FHIR body
            body = b""
        started = time.perf_counter()
        response = self.get_response(request)
        latency = (time.perf_counter() - started) * 1000
        try:
            self._record(request, response, body, latency)
        except Exception:  # the log must never break the API
            logger.exception("testbed request log failed")
        return response

    def _record(self, request, response, body: bytes, latency: float) -> None:
        sender = self._sender(request, response)
        if sender is None:
            return
        content = getattr(response, "content", b"") if not response.streaming else b""
        RequestLog.objects.create(
            **sender,
            method=request.method,
            path=request.get_full_path()[:500],
            status=response.status_code,
            issues=_issues(_json(content)) if response.status_code >= 400 else [],
            codings=_codings(_json(body)),
            latency_ms=round(latency, 2),
        )

    def _sender(self, request, response) -> dict | None:
        """{"client": …} or {"key_client_id": …} of a sandbox client's request, else None."""
        if not request.path.startswith(PREFIX):  # the token endpoint (_token_path)
            key_client = getattr(request, "fhir_key_client", None)
            user = key_client.application.user if key_client is not None else None
            if user is None or not user.username.startswith(SANDBOX_USERNAME_PREFIX):
                return None  # a region client (its user is loaded with it): no query
            if not _sandbox_key_client(key_client.pk):
                return None
            return {"key_client_id": key_client.pk}
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        if token.strip().startswith(TOKEN_PREFIX):
            # A static token: found by its hash, so a revoked client's refusals are logged too.
            client = ApiClient.objects.filter(
                token_hash=token_hash(token.strip()), user__in=_device_users()
            ).first()
            return None if client is None else {"client": client}
        principal = getattr(request, "fhir_principal", None)
        if principal is None and response.status_code == 401 and token.strip():
            return _expired_token_sender(token.strip())
        if principal is None or not str(principal.pk).startswith("oauth:"):
            return None
        if not principal.user.username.startswith(SANDBOX_USERNAME_PREFIX):
            return None  # a region user: no query
        key_client = (
            SmartClient.objects.filter(
                application__client_id=principal.pk.removeprefix("oauth:"),
                application__user__in=_device_users(),
            )
            .values_list("pk", flat=True)
            .first()
        )
        return None if key_client is None else {"key_client_id": key_client}


def _sandbox_key_client(pk) -> bool:
    return SmartClient.objects.filter(pk=pk, application__user__in=_device_users()).exists()


def _expired_token_sender(token: str) -> dict | None:
    """The key client an OAuth token the API refused was issued to (it has expired: DOT keeps
    the row; a revoked token's row is gone), when it is a sandbox's; else None."""
    checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
    key_client = (
        SmartClient.objects.filter(
            application__in=get_access_token_model()
            .objects.filter(token_checksum=checksum)
            .values("application"),
            application__user__in=_device_users(),
        )
        .values_list("pk", flat=True)
        .first()
    )
    return None if key_client is None else {"key_client_id": key_client}
