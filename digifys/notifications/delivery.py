"""Delivering notifications outside the platform: e-mail and SMS, logged, retried, never doubled.

Rules enforced here:

- Every notification `services.notify` stores is planned here in the same transaction: one
  `Delivery` row per channel the recipient chose for its kind (`topics.py` holds the defaults).
  "Only in digifys" plans nothing. Inactive users get nothing.
- Nothing leaves before the transaction commits: the send job is enqueued on commit. A job lost
  between commit and enqueue (a crashed process) is picked up by `sweep_due` (the periodic
  `tasks.sweep_deliveries` / `manage.py deliver_notifications`).
- Quiet hours (in the recipient's own time zone) hold a delivery until they end, except the kinds
  in `topics.NEVER_WAIT` (consults: their deadlines are minutes away). They are checked when the
  delivery is planned and again before each attempt.
- At least once, never twice: an attempt first claims the row with one conditional UPDATE
  (due and queued/retrying → sending, with a claim token and a lease). A second job for the same
  row, or a job for a row already sent, updates nothing and sends nothing. Only a worker that
  dies after the provider took the message but before it recorded that can cause a repeat, once
  the lease (`NOTIFICATION_SEND_LEASE_SECONDS`) has run out.
- A failed attempt is retried with exponential backoff (`NOTIFICATION_RETRY_SECONDS` doubled per
  attempt, at most `NOTIFICATION_RETRY_MAX_SECONDS`) until `NOTIFICATION_MAX_ATTEMPTS` attempts,
  then given up. A failure that retrying cannot fix (no address; the address or number refused
  permanently) is marked failed at once.
- What is sent names the home or unit and carries the link, nothing else: never the resident,
  never clinical detail, never the notification's text. It is written in the recipient's language.
"""

import datetime
import logging
import secrets
import smtplib
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, override

from digifys.core.time import STOCKHOLM_NAME

from . import channels, topics
from .models import Channel, Delivery, DeliverySettings, Notification, NotificationPreference

logger = logging.getLogger(__name__)

MOBILE_INVALID = gettext_lazy(
    "Enter a mobile number, e.g. 070-123 45 67 or with its country code, +46 70 123 45 67."
)


# --- Contact details ---------------------------------------------------------------------------


def normalise_mobile(text: str) -> str:
    """The E.164 form of a mobile number ("" for empty input); ValidationError if it is none.

    Numbers without a country code are Swedish. Any country's mobile number is accepted:
    relatives live abroad too.
    """
    text = (text or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text[:30], "SE")
    except phonenumbers.NumberParseException:
        raise ValidationError(MOBILE_INVALID, code="invalid_mobile") from None
    mobile_types = {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in mobile_types
    ):
        raise ValidationError(MOBILE_INVALID, code="invalid_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(channel: str, to: str) -> str:
    """TO as the delivery log shows it: enough to recognise, not to copy."""
    if not to:
        return ""
    if channel == Channel.EMAIL and "@" in to:
        local, _, domain = to.partition("@")
        return f"{local[:1]}•••@{domain}"
    return f"{to[:3]}•••{to[-2:]}" if len(to) > 5 else "•••"


# --- Quiet hours -------------------------------------------------------------------------------


def zone_name_for(user, delivery_settings: DeliverySettings | None, staff_zone: str = "") -> str:
    """The person's own time zone: staff from their profile, others from their settings."""
    if staff_zone:
        return staff_zone
    if delivery_settings is not None and delivery_settings.time_zone:
        return delivery_settings.time_zone
    return STOCKHOLM_NAME


def quiet_hours_end(
    *, at: datetime.datetime, start: datetime.time, end: datetime.time, zone_name: str
) -> datetime.datetime | None:
    """When quiet hours from START to END (wall clock in the zone) end, if AT falls in them.

    The hours may run over midnight (22:00–07:00). None when AT is outside them.
    """
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(STOCKHOLM_NAME)
    local = at.astimezone(zone)
    now = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= now < end
        end_day = local.date()
    else:  # over midnight
        inside = now >= start or now < end
        end_day = local.date() + datetime.timedelta(days=1) if now >= start else local.date()
    if not inside:
        return None
    return datetime.datetime.combine(end_day, end, tzinfo=zone).astimezone(datetime.UTC)


def _quiet_until(user, kind: str, at: datetime.datetime, delivery_settings, staff_zone: str):
    if kind in topics.NEVER_WAIT or delivery_settings is None:
        return None
    if delivery_settings.quiet_from is None or delivery_settings.quiet_until is None:
        return None
    return quiet_hours_end(
        at=at,
        start=delivery_settings.quiet_from,
        end=delivery_settings.quiet_until,
        zone_name=zone_name_for(user, delivery_settings, staff_zone),
    )


# --- Planning (inside notify's transaction) ----------------------------------------------------


def plan_deliveries(*, notifications: list[Notification], users: dict) -> list[Delivery]:
    """Create the delivery rows for freshly stored NOTIFICATIONS and enqueue them on commit.

    USERS maps recipient pk to user. Four queries at most, however many recipients.
    """
    from digifys.directory.models import StaffProfile

    if not notifications:
        return []
    pks = [n.recipient_id for n in notifications]
    kinds = {n.kind for n in notifications}
    chosen = {
        (user_id, kind): channel
        for user_id, kind, channel in NotificationPreference.objects.filter(
            user_id__in=pks, kind__in=kinds
        ).values_list("user_id", "kind", "channel")
    }
    staff_zones = dict(
        StaffProfile.objects.filter(user_id__in=pks).values_list("user_id", "time_zone")
    )
    own = {row.user_id: row for row in DeliverySettings.objects.filter(user_id__in=pks)}
    now = timezone.now()
    rows = []
    for notification in notifications:
        user = users[notification.recipient_id]
        if not user.is_active:
            continue
        is_staff = user.pk in staff_zones
        channel = chosen.get((user.pk, notification.kind)) or topics.default_channel(
            notification.kind, topics.audience_of(is_staff=is_staff)
        )
        if channel == Channel.NONE:
            continue
        mine = own.get(user.pk)
        to = user.email if channel == Channel.EMAIL else (mine.mobile if mine else "")
        row = Delivery(notification=notification, channel=channel, to=to or "", created_at=now)
        if not to:
            row.status = Delivery.Status.FAILED
            row.problem = (
                Delivery.Problem.NO_ADDRESS
                if channel == Channel.EMAIL
                else Delivery.Problem.NO_MOBILE
            )
        else:
            held = _quiet_until(user, notification.kind, now, mine, staff_zones.get(user.pk, ""))
            row.next_attempt_at = held or now
            row.held_for_quiet_hours = held is not None
        rows.append(row)
    created = Delivery.objects.bulk_create(rows)
    waiting = [(row.pk, row.next_attempt_at) for row in created if row.status == "queued"]
    if waiting:
        transaction.on_commit(lambda: [_enqueue(pk, at) for pk, at in waiting])
    return created


def _enqueue(delivery_id: int, at: datetime.datetime | None) -> None:
    """Enqueue the send job for AT; a backend that cannot defer leaves later ones to the sweep."""
    from .tasks import deliver_notification

    task = deliver_notification
    if at is not None and at > timezone.now():
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=at)
    try:
        task.enqueue(delivery_id=delivery_id)
    except Exception:  # the row stays due: the sweep sends it
        logger.exception("Could not enqueue delivery %s", delivery_id)


# --- The message -------------------------------------------------------------------------------


def _absolute(link: str) -> str:
    base = (getattr(settings, "SITE_URL", "") or "http://localhost:8000").rstrip("/")
    path = link if link.startswith("/") and not link.startswith("//") else ""
    return base + (path or reverse("notifications:list"))


def sender_name(notification: Notification) -> str:
    """Who the message is from: the home (or unit) it concerns, never the resident."""
    from digifys.residents.models import Relative

    params = notification.params or {}
    if params.get("home"):
        return str(params["home"])
    homes = set(
        Relative.objects.filter(user_id=notification.recipient_id)
        .exclude(resident__unit__isnull=True)
        .values_list("resident__unit__parent__name", flat=True)[:3]
    )
    homes.discard(None)
    if len(homes) == 1:
        return homes.pop()
    if params.get("unit"):
        return str(params["unit"])
    return getattr(settings, "NOTIFICATION_SENDER_NAME", "") or "digifys"


def compose(delivery: Delivery) -> tuple[str, str]:
    """The subject and body of DELIVERY in the recipient's language (no name, no detail)."""
    notification = delivery.notification
    user = notification.recipient
    sender = sender_name(notification)
    link = _absolute(notification.link)
    with override(user.language or settings.LANGUAGE_CODE):
        subject = gettext("%(what)s – %(sender)s") % {
            "what": notification.get_kind_display(),
            "sender": sender,
        }
        if delivery.channel == Channel.SMS:
            body = gettext("There is a new message from %(sender)s: %(link)s") % {
                "sender": sender,
                "link": link,
            }
        else:
            body = "\n\n".join(
                [
                    gettext("There is a new message from %(sender)s.") % {"sender": sender},
                    gettext("Log in to read it:") + "\n" + link,
                    gettext(
                        "This e-mail was sent automatically; do not answer it. You choose which "
                        "messages you get, and how, under Settings."
                    ),
                ]
            )
    return subject, body


# --- Attempts ----------------------------------------------------------------------------------


def _text(message) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _classify(exc: Exception) -> tuple[str, bool, str]:
    """(problem, permanent, technical reason) of a failed send."""
    reason = str(exc) or exc.__class__.__name__
    if isinstance(exc, channels.SmsError):
        problem = Delivery.Problem.TIMEOUT if exc.timeout else Delivery.Problem.TEMPORARY
        if exc.permanent:
            problem = Delivery.Problem.REFUSED
        return problem, exc.permanent, reason
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        refused = "; ".join(
            f"SMTP {code} {_text(message)}" for code, message in exc.recipients.values()
        )
        problem = Delivery.Problem.REFUSED if permanent else Delivery.Problem.TEMPORARY
        return problem, permanent, refused or reason
    if isinstance(exc, smtplib.SMTPResponseException):
        return Delivery.Problem.TEMPORARY, False, f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, TimeoutError):
        return Delivery.Problem.TIMEOUT, False, reason
    if isinstance(exc, smtplib.SMTPException | OSError):
        return Delivery.Problem.CONNECTION, False, reason
    return Delivery.Problem.TEMPORARY, False, f"{exc.__class__.__name__}: {reason}"


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the ATTEMPTS-th failed attempt."""
    base = settings.NOTIFICATION_RETRY_SECONDS
    seconds = min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATION_RETRY_MAX_SECONDS)
    return datetime.timedelta(seconds=seconds)


def attempt(*, delivery_id: int) -> str:
    """Try to send one delivery if it is due and nobody else has it; return its status after."""
    from digifys.directory.models import StaffProfile

    now = timezone.now()
    delivery = (
        Delivery.objects.select_related("notification__recipient").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return "missing"
    if delivery.status in Delivery.WAITING:
        user = delivery.notification.recipient
        staff_zone = (
            StaffProfile.objects.filter(user=user).values_list("time_zone", flat=True).first()
        )
        held = _quiet_until(
            user,
            delivery.notification.kind,
            now,
            DeliverySettings.objects.filter(user=user).first(),
            staff_zone or "",
        )
        if held is not None:
            moved = Delivery.objects.filter(pk=delivery.pk, status=delivery.status).update(
                next_attempt_at=held, held_for_quiet_hours=True
            )
            if moved:
                _enqueue(delivery.pk, held)
            return delivery.status
    claim = secrets.token_hex(8)
    lease = datetime.timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
    claimed = (
        Delivery.objects.due(now)
        .filter(pk=delivery.pk)
        .update(
            status=Delivery.Status.SENDING,
            claim=claim,
            claimed_until=now + lease,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:  # sent, given up, not yet due, or another worker has it
        return Delivery.objects.filter(pk=delivery.pk).values_list("status", flat=True).first()
    delivery.refresh_from_db(fields=["attempts", "status"])
    mine = Delivery.objects.filter(pk=delivery.pk, claim=claim)
    try:
        subject, body = compose(delivery)
        channels.send(channel=delivery.channel, to=delivery.to, subject=subject, body=body)
    except Exception as exc:
        problem, permanent, reason = _classify(exc)
        if permanent:
            status, next_at = Delivery.Status.FAILED, None
        elif delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            status, next_at = Delivery.Status.GIVEN_UP, None
        else:
            status = Delivery.Status.RETRYING
            next_at = timezone.now() + backoff(delivery.attempts)
        logger.warning(
            "Delivery %s (%s) attempt %s failed: %s",
            delivery.pk,
            delivery.channel,
            delivery.attempts,
            reason,
        )
        mine.update(
            status=status,
            problem=problem,
            last_error=reason[:300],
            next_attempt_at=next_at,
            claimed_until=None,
            held_for_quiet_hours=False,
        )
        if next_at is not None:
            _enqueue(delivery.pk, next_at)
        return status
    mine.update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        claimed_until=None,
        next_attempt_at=None,
        problem="",
        held_for_quiet_hours=False,
    )
    return Delivery.Status.SENT


def sweep_due(*, limit: int = 500) -> int:
    """Attempt every due delivery (a safety net for lost jobs); return how many were tried."""
    due = list(
        Delivery.objects.due(timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        attempt(delivery_id=pk)
    return len(due)
