"""Writes for the trust survey: the invitations of each round, and answering without identity.

Schedule (ROUND_MONTHS = 3): a relative whose consent is in force is asked 3, 6, 9 … months after
the consent's `given_on`; a resident with their own login 3, 6, 9 … months after the login was
created. `send_invitations` creates only the latest round that has begun, at most once per round
(a unique constraint per respondent and round), and never a second invitation within a round's
length of the last one, so running it daily, twice, or after a consent was changed asks nobody
twice. A round stays open for `OPEN_DAYS`.

A notification says only that there is a short question about the unit, never anything about the
resident (notifications.models.MESSAGES["trust_survey"]).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from digifys.notifications.models import Notification
from digifys.notifications.services import notify
from digifys.relatives.models import Consent, ResidentLogin, stockholm_today

from .models import RESIDENT, ROUND_MONTHS, Answer, Invitation, Item

OPEN_DAYS = 30


def add_months(day: datetime.date, months: int) -> datetime.date:
    """DAY plus MONTHS calendar months (the last day of a shorter month if need be)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, last)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def current_round(anchor: datetime.date, today: datetime.date) -> datetime.date | None:
    """The start of the latest round begun by TODAY (None before the first, at 3 months)."""
    months = (today.year - anchor.year) * 12 + today.month - anchor.month
    rounds = months // ROUND_MONTHS
    while rounds >= 1:
        start = add_months(anchor, rounds * ROUND_MONTHS)
        if start <= today:
            return start
        rounds -= 1
    return None


def _recently_asked(invitations, start: datetime.date) -> bool:
    gap = datetime.timedelta(days=ROUND_MONTHS * 30 - 10)
    return invitations.filter(round_start__gt=start - gap).exists()


def _create(*, recipient, unit, relationship, start, **respondent) -> Invitation | None:
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                recipient=recipient,
                unit=unit,
                relationship=relationship,
                round_start=start,
                closes_on=start + datetime.timedelta(days=OPEN_DAYS),
                **respondent,
            )
    except IntegrityError:  # a concurrent run made it first
        return None
    notify(
        recipients=[recipient],
        kind=Notification.Kind.SURVEY,
        code="trust_survey",
        params={"unit": unit.name},
        link=reverse("trust:answer", kwargs={"pk": invitation.pk}),
    )
    return invitation


def send_invitations(today: datetime.date | None = None) -> int:
    """Create (and notify) this round's invitations that are due; return how many were made."""
    today = today or stockholm_today()
    made = 0
    consents = (
        Consent.objects.in_force(today)
        .filter(relative__user__isnull=False, relative__user__is_active=True)
        .select_related("relative__user", "resident__unit")
    )
    for consent in consents:
        start = current_round(consent.given_on, today)
        if start is None or start + datetime.timedelta(days=OPEN_DAYS) < today:
            continue
        relative = consent.relative
        if _recently_asked(Invitation.objects.filter(relative=relative), start):
            continue
        made += bool(
            _create(
                recipient=relative.user,
                unit=consent.resident.unit,
                relationship=relative.relationship,
                start=start,
                relative=relative,
            )
        )
    logins = ResidentLogin.objects.filter(
        user__is_active=True, resident__status="active"
    ).select_related("user", "resident__unit")
    for login in logins:
        anchor = timezone.localtime(login.created_at).date()
        start = current_round(anchor, today)
        if start is None or start + datetime.timedelta(days=OPEN_DAYS) < today:
            continue
        if _recently_asked(Invitation.objects.filter(resident_login=login), start):
            continue
        made += bool(
            _create(
                recipient=login.user,
                unit=login.resident.unit,
                relationship=RESIDENT,
                start=start,
                resident_login=login,
            )
        )
    return made


def open_invitation(user, pk: int, today: datetime.date | None = None) -> Invitation | None:
    """USER's own unanswered invitation PK if it is still open, else None."""
    today = today or stockholm_today()
    return (
        Invitation.objects.filter(pk=pk, recipient=user, answered=False, closes_on__gte=today)
        .select_related("unit")
        .first()
    )


@transaction.atomic
def submit_answer(*, user, invitation_pk: int, scores: dict, comment: str = "") -> Answer:
    """Store the answer without identity and mark the invitation answered (one transaction)."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("unit")
        .filter(pk=invitation_pk, recipient=user)
        .first()
    )
    if invitation is None:
        raise PermissionDenied
    if invitation.answered:
        raise ValidationError(_("You have already answered this survey. Thank you!"))
    if invitation.closes_on < stockholm_today():
        raise ValidationError(_("This survey has closed. You will get a new one in a few months."))
    for item in Item.values:
        if scores.get(item) not in (1, 2, 3, 4, 5):
            raise ValidationError(_("Choose a number from 1 to 5 for every statement."))
    Invitation.objects.filter(pk=invitation.pk).update(answered=True)
    unit = invitation.unit
    return Answer.objects.create(
        unit=unit,
        municipality_id=unit.municipality_id,
        month=stockholm_today().replace(day=1),
        relationship=invitation.relationship,
        comment=comment.strip(),
        **{item: scores[item] for item in Item.values},
    )
