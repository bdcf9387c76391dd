"""Demo data for flexible work (issue 15 §3-4): preferences, work from Spain, rota, a swap.

Called by the synthetic region (`synth.region`) after working hours and absences exist:
* preferences for the virtual clinic's physicians (the Gran Canaria physician cannot work nights,
  two want at most 32 on-duty hours a week, one prefers day shifts);
* the Lycksele physician works from the Málaga branch for five weeks (approved; the Spanish
  holidays apply), another region physician's application to work from home waits;
* the on-duty rota of this month (from now on) and next month, built by the solver;
* a swap between two Málaga physicians, accepted by the colleague and waiting for the
  coordinator.
The capacity forecast needs no seeding: it is computed from the region's contacts and hours.
"""

import datetime
import random

from django.db import transaction

from digifys.accounts.models import Role
from digifys.directory.models import Organisation, StaffProfile
from digifys.notifications.models import Notification

from . import checks, rota, services
from .models import HourPreference, Preference, Shift, WorkElsewhere


@transaction.atomic
def seed_flexible_work(*, now: datetime.datetime, rng: random.Random, solver_seconds=2.0):
    coordinator = (
        StaffProfile.objects.filter(profession=Role.COORDINATOR).select_related("user").first()
    )
    if coordinator is None:
        return None
    clinic = list(rota.rota_clinicians())
    today = now.date()
    for index, staff in enumerate(clinic):
        preference = Preference.objects.create(
            staff=staff, max_on_duty_hours_per_week=32 if index in (1, 2) else 40
        )
        preference.preferred_units.set(staff.units.all()[:2])
        if staff.time_zone == "Atlantic/Canary":
            HourPreference.objects.bulk_create(
                HourPreference(
                    staff=staff,
                    kind=HourPreference.Kind.CANNOT,
                    weekday=day,
                    starts=datetime.time(22),
                    ends=datetime.time(0),
                )
                for day in range(7)
            )
        elif index == 3:
            HourPreference.objects.bulk_create(
                HourPreference(
                    staff=staff,
                    kind=HourPreference.Kind.PREFER,
                    weekday=day,
                    starts=datetime.time(7),
                    ends=datetime.time(15),
                )
                for day in range(5)
            )
    branch = Organisation.objects.filter(
        kind=Organisation.Kind.VIRTUAL_CLINIC, country="ES"
    ).first()
    region_physicians = list(
        StaffProfile.objects.filter(profession=Role.PHYSICIAN, work_country="SE", is_locum=False)
        .exclude(employer__kind=Organisation.Kind.VIRTUAL_CLINIC)
        .order_by("pk")[:2]
    )
    if branch and region_physicians:
        period = services.apply_work_elsewhere(
            staff=region_physicians[0],
            place=WorkElsewhere.Place.BRANCH,
            branch=branch,
            starts_on=today - datetime.timedelta(days=5),
            ends_on=today + datetime.timedelta(days=30),
            holidays_follow=True,
            reason="Family in Andalusia this winter",
            today=today - datetime.timedelta(days=20),
        )
        services.decide_work_elsewhere(actor=coordinator.user, period=period, approve=True)
        if len(region_physicians) > 1:
            services.apply_work_elsewhere(
                staff=region_physicians[1],
                place=WorkElsewhere.Place.HOME,
                branch=None,
                starts_on=today + datetime.timedelta(days=21),
                ends_on=today + datetime.timedelta(days=35),
                holidays_follow=False,
                reason="Renovation at the health centre",
                today=today,
            )
    this_month = today.replace(day=1)
    for month in (this_month, rota.next_month(this_month)):
        services.build_rota(
            actor=coordinator.user,
            month=month,
            seconds=solver_seconds,
            now=now,
            deterministic=True,
        )
    return _seed_swap(now)


def _seed_swap(now):
    """An exchange a week ahead that keeps the rules, accepted and waiting for the coordinator."""
    soon = now + datetime.timedelta(days=7)
    shifts = list(
        Shift.objects.filter(starts_at__gte=soon, staff__isnull=False)
        .select_related("staff__user")
        .order_by("starts_at")[:60]
    )
    for mine in shifts:
        for theirs in shifts:
            if theirs.staff_id == mine.staff_id:
                continue
            if checks.check_swap(
                proposer=mine.staff,
                counterpart=theirs.staff,
                shift=mine,
                counter_shift=theirs,
                now=now,
            ):
                continue
            swap = services.propose_swap(
                proposer=mine.staff,
                counterpart=theirs.staff,
                shift=mine,
                counter_shift=theirs,
                note="Family dinner that evening",
                now=now,
            )
            swap = services.respond_swap(staff=theirs.staff, swap=swap, accept=True, now=now)
            # The synthetic region's clock, not the wall clock: the same seed gives the same data.
            Notification.objects.filter(code__in=("swap_proposed", "swap_to_approve")).update(
                created_at=now
            )
            return swap
    return None
