"""Background work for the insights app, run by the django-tasks database worker.

`nightly_refresh` brings the daily fact tables up to date (`facts.refresh_facts`: the days
touched since the last run) and schedules itself for the next night at 03:00 Stockholm time,
after the licence re-check at 02:00. Start the chain once with `manage.py
schedule_insights_refresh` (idempotent); `manage.py refresh_insights` runs a refresh at once.
"""

import datetime

from django.utils import timezone
from django_tasks import task

from digifys.core.time import STOCKHOLM

from . import facts

RUN_AT = datetime.time(3, 0)


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next 03:00 in Stockholm after NOW."""
    local = (now or timezone.now()).astimezone(STOCKHOLM)
    candidate = datetime.datetime.combine(local.date(), RUN_AT, tzinfo=STOCKHOLM)
    if candidate <= local:
        candidate = datetime.datetime.combine(
            local.date() + datetime.timedelta(days=1), RUN_AT, tzinfo=STOCKHOLM
        )
    return candidate


@task()
def nightly_refresh(*, reschedule: bool = True) -> dict:
    """Refresh the fact tables incrementally; schedule the next night's run."""
    result = facts.refresh_facts()
    if reschedule:
        nightly_refresh.using(run_after=next_run()).enqueue()
    return {"days": result.days, "rows": result.rows, "full": result.full}
