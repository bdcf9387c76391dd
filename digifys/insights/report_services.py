"""Monthly report subscriptions and sending (issue #16 §2).

Rules enforced here:
- Who may have a level's report is the figures page's rule (`figure_views._scope`): coordinators
  every level, physicians their own figures and the units of their current panel. It is checked
  when someone subscribes, downloads, and again for every report sent: a subscriber who may no
  longer see the level (role or panel changed, account closed) gets no report; the subscription
  stays, the skip is logged (logger `digifys.insights.report`) and counted.
- One subscription per user, level and key; subscribing again only updates the language.
- `send_monthly_reports(month=…)` sends each subscription's report for a month at most once: a
  `ReportDelivery` row (unique per subscription and month) is written in the same transaction
  as the e-mail is handed to Django's mail backend, so a rerun — or a second worker — sends
  nothing twice, and a failed send is retried by the next run.
- Every report produced (download or e-mail) is one access-log entry without a resident
  (`object_type` "insights_report", action "export"), with the purpose the figures page uses.
"""

import datetime
import logging
from collections import Counter
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from digifys.audit import services as audit

from . import figure_views
from .models import ReportDelivery, ReportSubscription
from .report import first_of_month, level_name, monthly_report

logger = logging.getLogger("digifys.insights.report")
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def scope_of(user, level: str, key: int | None):
    """The figures page's scope tuple for USER at LEVEL's KEY, or None if they may not see it."""
    query = QueryDict(mutable=True)
    if level:
        query["level"] = level
    if key is not None:
        query["key"] = str(key)
    if not user.is_active:
        return None
    try:
        return figure_views._scope(SimpleNamespace(user=user, GET=query))
    except (PermissionDenied, Http404):
        return None


def _language(language: str) -> str:
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


@transaction.atomic
def subscribe(*, actor, level: str, key: int, language: str) -> tuple[ReportSubscription, bool]:
    """Subscribe ACTOR to LEVEL's KEY's monthly report; (subscription, created)."""
    subscription, created = ReportSubscription.objects.update_or_create(
        user=actor, level=level, key=key, defaults={"language": _language(language)}
    )
    return subscription, created


@transaction.atomic
def unsubscribe(*, actor, level: str, key: int) -> bool:
    """End ACTOR's subscription to LEVEL's KEY; whether there was one."""
    deleted, _rows = ReportSubscription.objects.filter(user=actor, level=level, key=key).delete()
    return deleted > 0


def record_report(
    *, actor, level: str, key: int, month: datetime.date, purpose: str, via: str, request=None
) -> None:
    """Log one produced report as a non-resident access."""
    audit.record(
        actor=actor,
        action="export",
        object_type="insights_report",
        object_id=f"{level}:{key}",
        purpose=purpose,
        request=request,
        details={"month": month.strftime("%Y-%m"), "via": via},
    )


def _link(level: str, key: int) -> str:
    base = (getattr(settings, "SITE_URL", "") or "http://localhost:8000").rstrip("/")
    return f"{base}{reverse('insights:figures')}?level={level}&key={key}"


def _message(subscription: ReportSubscription, month: datetime.date, pdf: bytes) -> EmailMessage:
    with translation.override(subscription.language):
        name = level_name(subscription.level, subscription.key)
        month_text = date_format(month, "YEAR_MONTH_FORMAT")
        subject = _("Monthly report %(month)s: %(name)s") % {"month": month_text, "name": name}
        body = _(
            "Hello %(person)s,\n\n"
            "attached is the monthly report of digifys for %(name)s, %(month)s: the main figures "
            "for continuity, responsiveness and safety over the last 12 months, before and after "
            "go-live. Figures behind fewer than 5 residents are not shown.\n\n"
            "You receive it because you subscribed on the figures page. To stop it, open the "
            'page and choose "Stop the monthly e-mail":\n%(link)s\n'
        ) % {
            "person": subscription.user.get_full_name() or subscription.user.get_username(),
            "name": name,
            "month": month_text,
            "link": _link(subscription.level, subscription.key),
        }
        filename = (
            _("monthly-report") + f"-{subscription.level}-{subscription.key}-{month:%Y-%m}.pdf"
        )
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [subscription.user.email])
    message.attach(filename, pdf, "application/pdf")
    return message


def send_monthly_reports(*, month: datetime.date) -> dict[str, int]:
    """E-mail every subscription its report for MONTH once; counts of sent and skipped."""
    month = first_of_month(month)
    counts: Counter[str] = Counter()
    subscriptions = ReportSubscription.objects.select_related("user").order_by("pk")
    for subscription in subscriptions:
        user, level, key = subscription.user, subscription.level, subscription.key
        if subscription.deliveries.filter(month=month).exists():
            counts["already_sent"] += 1
            continue
        scope = scope_of(user, level, key)
        if scope is None:
            logger.warning(
                "Monthly report %s not sent: user %s may no longer see %s %s.",
                month.strftime("%Y-%m"),
                user.pk,
                level,
                key,
            )
            counts["not_allowed"] += 1
            continue
        if not user.email:
            logger.warning("Monthly report not sent: user %s has no e-mail address.", user.pk)
            counts["no_email"] += 1
            continue
        pdf = monthly_report(level, key, month, subscription.language)
        try:
            with transaction.atomic():
                _delivery, created = ReportDelivery.objects.get_or_create(
                    subscription=subscription, month=month
                )
                if not created:  # another worker sent it meanwhile
                    counts["already_sent"] += 1
                    continue
                _message(subscription, month, pdf).send()
                record_report(
                    actor=user, level=level, key=key, month=month, purpose=scope[3], via="email"
                )
        except IntegrityError:
            counts["already_sent"] += 1
            continue
        except OSError:
            # The mail server refused or was unreachable: nothing recorded, the next run retries.
            logger.exception(
                "Monthly report for subscription %s could not be sent.", subscription.pk
            )
            counts["failed"] += 1
            continue
        counts["sent"] += 1
    return dict(counts)
