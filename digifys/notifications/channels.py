"""Messages to people outside the platform: e-mail and SMS.

Used for guests of a video visit and for delivering notifications (`delivery.py`).
`send(channel=..., to=..., subject=..., body=...)` picks the backend for the channel:

- "email": Django's `send_mail` through `NOTIFICATION_EMAIL_BACKEND` (a dotted path to a Django
  e-mail backend; default `EMAIL_BACKEND`: SMTP in production, the console in the demo);
- "sms": the class at `NOTIFICATION_SMS_BACKEND` (default `ConsoleSmsBackend`), any object with
  `send_sms(to, body)`. `HttpSmsBackend` posts JSON to an SMS provider's HTTP API.

Backends raise on failure; `SmsError` says whether trying again can help.
"""

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.utils.module_loading import import_string

EMAIL = "email"
SMS = "sms"


class SmsBackend(Protocol):
    def send_sms(self, to: str, body: str) -> None:
        """Send BODY to the mobile number TO (raise on failure)."""


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str


class ConsoleSmsBackend:
    """Print text messages to stdout and keep them in `outbox` (for the demo and tests)."""

    outbox: list[SentSms] = []

    def send_sms(self, to: str, body: str) -> None:
        ConsoleSmsBackend.outbox.append(SentSms(to=to, body=body))
        sys.stdout.write(f"--- SMS to {to} ---\n{body}\n")
        sys.stdout.flush()


class SmsError(Exception):
    """An SMS the provider did not take. PERMANENT: trying again cannot help (a bad number)."""

    def __init__(self, reason: str, *, permanent: bool = False, timeout: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.timeout = timeout


# HTTP statuses in the 4xx range that can pass: authentication and rate limits are fixed by
# the operator or by waiting, so they are retried; other 4xx (a malformed number) are not.
_RETRYABLE_CLIENT_ERRORS = frozenset({401, 403, 408, 409, 425, 429})


class HttpSmsBackend:
    """An SMS provider's HTTP API: one JSON POST per message.

    POSTs `{"to": "+4670…", "from": NOTIFICATION_SMS_SENDER, "message": "…"}` to
    `NOTIFICATION_SMS_URL` with `Authorization: Bearer NOTIFICATION_SMS_TOKEN`, waiting at most
    `NOTIFICATION_SMS_TIMEOUT` seconds. Any 2xx answer is success; anything else, a timeout or a
    connection error raises `SmsError` with the reason.
    """

    def __init__(self) -> None:
        self.url = getattr(settings, "NOTIFICATION_SMS_URL", "")
        self.token = getattr(settings, "NOTIFICATION_SMS_TOKEN", "")
        self.sender = getattr(settings, "NOTIFICATION_SMS_SENDER", "")
        self.timeout = getattr(settings, "NOTIFICATION_SMS_TIMEOUT", 10)

    def send_sms(self, to: str, body: str) -> None:
        if not self.url:
            raise SmsError("NOTIFICATION_SMS_URL is not set")
        payload = json.dumps({"to": to, "from": self.sender, "message": body}).encode()
        request = urllib.request.Request(  # noqa: S310 - the operator configures an https URL
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            permanent = 400 <= exc.code < 500 and exc.code not in _RETRYABLE_CLIENT_ERRORS
            raise SmsError(f"SMS provider answered HTTP {exc.code}", permanent=permanent) from exc
        except TimeoutError as exc:
            raise SmsError(
                f"SMS provider did not answer within {self.timeout} s", timeout=True
            ) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise SmsError(
                    f"SMS provider did not answer within {self.timeout} s", timeout=True
                ) from exc
            raise SmsError(f"SMS provider unreachable: {exc.reason}") from exc
        except OSError as exc:
            raise SmsError(f"SMS provider unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsError(f"SMS provider answered HTTP {status}")


def sms_backend() -> SmsBackend:
    path = getattr(
        settings, "NOTIFICATION_SMS_BACKEND", "digifys.notifications.channels.ConsoleSmsBackend"
    )
    return import_string(path)()


def send(*, channel: str, to: str, subject: str, body: str) -> None:
    """Send one message to TO over CHANNEL ("email" or "sms"); SMS ignore the subject."""
    if not to:
        raise ValueError("a recipient is required")
    if channel == EMAIL:
        backend = getattr(settings, "NOTIFICATION_EMAIL_BACKEND", None) or None
        connection = get_connection(backend) if backend else None
        send_mail(
            subject,
            body,
            getattr(settings, "DEFAULT_FROM_EMAIL", None),
            [to],
            connection=connection,
        )
    elif channel == SMS:
        sms_backend().send_sms(to, body)
    else:
        raise ValueError(f"unknown channel {channel!r}")
