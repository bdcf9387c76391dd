"""Synthetic planner work for the demo region: a few open family meetings and follow-ups."""

import datetime
import random

from digifys.accounts.models import Role
from digifys.residents.models import Resident

from .models import WorkRequest

NOTES = {
    WorkRequest.Kind.FAMILY_MEETING: ("Care planning with the family", "Talk about goals of care"),
    WorkRequest.Kind.FOLLOW_UP: (
        "Follow up the new medication",
        "Follow up after the hospital stay",
    ),
}


def seed_work_requests(
    *, now: datetime.datetime, rng: random.Random, count: int = 40
) -> list[WorkRequest]:
    """Create COUNT open planning requests due within the next two weeks after NOW."""
    residents = list(
        Resident.objects.in_care()
        .filter(unit__isnull=False)
        .order_by("pk")
        .values_list(
            "pk", "unit_id", "preferred_languages", "needs_interpreter", "interpreter_language"
        )
    )
    if not residents:
        return []
    from django.contrib.auth import get_user_model

    User = get_user_model()
    nurses_by_unit: dict[int, int] = {}
    for user_id, unit_id in User.objects.filter(
        staff_profile__profession=Role.NURSE, staff_profile__units__isnull=False
    ).values_list("pk", "staff_profile__units"):
        nurses_by_unit.setdefault(unit_id, user_id)
    coordinator = (
        User.objects.filter(staff_profile__profession=Role.COORDINATOR).order_by("pk").first()
    )
    today = now.date()
    rows = []
    for pk, unit_id, languages, needs_interpreter, interpreter_language in rng.sample(
        residents, min(count, len(residents))
    ):
        requester = nurses_by_unit.get(unit_id) or (coordinator.pk if coordinator else None)
        if requester is None:
            continue
        kind = rng.choice(list(WorkRequest.Kind))
        earliest = today + datetime.timedelta(days=rng.randint(1, 5))
        language = (interpreter_language if needs_interpreter else "") or (languages or ["sv"])[0]
        rows.append(
            WorkRequest(
                kind=kind,
                resident_id=pk,
                unit_id=unit_id,
                duration_minutes=60 if kind == WorkRequest.Kind.FAMILY_MEETING else 30,
                earliest_on=earliest,
                deadline_on=earliest + datetime.timedelta(days=rng.randint(3, 12)),
                language=language or "sv",
                note=rng.choice(NOTES[kind]),
                requested_by_id=requester,
            )
        )
    return WorkRequest.objects.bulk_create(rows)
