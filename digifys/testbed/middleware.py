"""Recording the FHIR API requests of sandbox clients (the company's request log).

Only paths under /fhir/ and only clients that act for a sandbox's device user are recorded;
everything else passes untouched. Recording never changes or fails the API's answer.
"""

import json
import logging
import time

from django.http.request import RawPostDataException

from digifys.fhir.auth import TOKEN_PREFIX, token_hash
from digifys.fhir.models import ApiClient

from .models import RequestLog, Sandbox

logger = logging.getLogger(__name__)
PREFIX = "/fhir/"


def _json(raw: bytes):
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def _issues(body) -> list[str]:
    if not isinstance(body, dict):
        return []
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


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
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
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip().startswith(TOKEN_PREFIX):
            return  # only an ApiClient's static token can name a sandbox client (no query)
        client = ApiClient.objects.filter(
            token_hash=token_hash(token.strip()),
            user__in=Sandbox.objects.filter(device_user__isnull=False).values("device_user"),
        ).first()
        if client is None:
            return
        content = getattr(response, "content", b"") if not response.streaming else b""
        RequestLog.objects.create(
            client=client,
            method=request.method,
            path=request.get_full_path()[:500],
            status=response.status_code,
            issues=_issues(_json(content)) if response.status_code >= 400 else [],
            codings=_codings(_json(body)),
            latency_ms=round(latency, 2),
        )
