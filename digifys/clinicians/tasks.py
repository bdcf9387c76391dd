"""Background work for the clinician register, run by the django-tasks database worker.

`nightly_register_check` re-checks every onboarding or active clinician's licence in the licence
register and sends the expiry reminders, then schedules itself for the next night at 02:00
Stockholm time. Start the chain once with `manage.py schedule_licence_checks` (idempotent).
"""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_tasks import task

from . import services

STOCKHOLM = ZoneInfo("Europe/Stockholm")
RUN_AT = datetime.time(2, 0)


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next 02:00 in Stockholm after NOW."""
    local = (now or timezone.now()).astimezone(STOCKHOLM)
    candidate = datetime.datetime.combine(local.date(), RUN_AT, tzinfo=STOCKHOLM)
    if candidate <= local:
        candidate = datetime.datetime.combine(
            local.date() + datetime.timedelta(days=1), RUN_AT, tzinfo=STOCKHOLM
        )
    return candidate


@task()
def nightly_register_check(*, reschedule: bool = True) -> dict:
    """Re-check licences and send expiry reminders; schedule the next night's run."""
    outcomes = services.check_all_licences()
    reminders = services.send_expiry_reminders()
    if reschedule:
        nightly_register_check.using(run_after=next_run()).enqueue()
    return {"licences": outcomes, "reminders": reminders}
