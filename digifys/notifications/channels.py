"""Messages to people outside the platform (guests of a video visit): e-mail and SMS.

`send(channel=..., to=..., subject=..., body=...)` picks the backend for the channel:

- "email": Django's `send_mail` through `NOTIFICATION_EMAIL_BACKEND` (a dotted path to a Django
  e-mail backend; default `EMAIL_BACKEND`, the console backend in the demo);
- "sms": the class at `NOTIFICATION_SMS_BACKEND` (default `ConsoleSmsBackend`), any object with
  `send_sms(to, body)`; a real operator's gateway plugs in there.
"""

import sys
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
