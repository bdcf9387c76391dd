"""The professional-licence register: a small interface and its one HTTP adapter.

In production the register is Socialstyrelsen's HOSP (Register över hälso- och sjukvårdspersonal).
HOSP's real interface is reached through a contracted integration service; its exact wire format
is not public. This adapter ASSUMES a thin JSON gateway in front of it (settings
LICENCE_REGISTER_URL) answering

    GET {LICENCE_REGISTER_URL}/licences/{number}
    200 {"number": "...", "status": "valid" | "withdrawn", "valid_until": "YYYY-MM-DD" | null,
         "profession": "physician" | "nurse"}
    404 when the number is not in the register

Anything else — a timeout (settings LICENCE_REGISTER_TIMEOUT seconds), a refused connection, a
5xx, a body that is not that JSON — is a `RegisterUnavailable`: the caller keeps the previous
status and alerts; an unanswered look-up never grants a licence.
"""

import datetime
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

VALID = "valid"
WITHDRAWN = "withdrawn"
UNKNOWN = "unknown"


class RegisterUnavailable(Exception):
    """The register did not give a usable answer (timeout, error, malformed reply)."""


@dataclass(frozen=True)
class LicenceAnswer:
    status: str  # VALID, WITHDRAWN or UNKNOWN
    valid_until: datetime.date | None = None
    profession: str = ""


class LicenceRegister(Protocol):
    def lookup(self, number: str) -> LicenceAnswer: ...


class HttpLicenceRegister:
    """The JSON-over-HTTP adapter described in the module docstring."""

    def __init__(self, base_url: str, *, timeout: float = 5.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def lookup(self, number: str) -> LicenceAnswer:
        url = f"{self.base_url}/licences/{urllib.parse.quote(number.strip(), safe='')}"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(65536)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return LicenceAnswer(status=UNKNOWN)
            raise RegisterUnavailable(f"HTTP {exc.code}") from exc
        except (OSError, http.client.HTTPException) as exc:  # timeouts, refusals, resets
            raise RegisterUnavailable(str(exc) or exc.__class__.__name__) from exc
        return _parse(body)


def _parse(body: bytes) -> LicenceAnswer:
    try:
        data = json.loads(body)
        status = data["status"]
        until = data.get("valid_until")
        valid_until = datetime.date.fromisoformat(until) if until else None
    except (ValueError, KeyError, TypeError) as exc:
        raise RegisterUnavailable("malformed answer") from exc
    if status not in (VALID, WITHDRAWN):
        raise RegisterUnavailable(f"unexpected status {status!r}")
    return LicenceAnswer(
        status=status, valid_until=valid_until, profession=str(data.get("profession", ""))
    )


def configured_register() -> LicenceRegister | None:
    """The register from settings, or None when LICENCE_REGISTER_URL is not set."""
    url = getattr(settings, "LICENCE_REGISTER_URL", "")
    if not url:
        return None
    return HttpLicenceRegister(url, timeout=getattr(settings, "LICENCE_REGISTER_TIMEOUT", 5.0))
