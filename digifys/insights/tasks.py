"""Background work for the insights app, run by the django-tasks database worker.

`nightly_refresh` brings the daily fact tables up to date (`facts.refresh_facts`: the days
touched since the last run, then the rollups and the figures page's default views of the day,
`precomputed.py`) and schedules itself for the next night at 03:00 Stockholm time,
after the licence re-check at 02:00. Start the chain once with `manage.py
schedule_insights_refresh` (idempotent); `manage.py refresh_insights` runs a refresh at once.

`monthly_reports` e-mails the previous month's report to every subscriber
(`report_services.send_monthly_reports`, which sends each month once) on the 1st of each month
at 06:00 Stockholm time, after that night's refresh, and schedules itself for the next 1st. The
same command queues it; `manage.py send_monthly_reports [--month YYYY-MM]` sends at once.
"""

import datetime

from django.utils import timezone
from django_tasks import task

from digifys.core.time import STOCKHOLM

from . import facts

RUN_AT = datetime.time(3, 0)
REPORTS_AT = datetime.time(6, 0)


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
    return {
        "days": result.days,
        "rows": result.rows,
        "full": result.full,
        "precomputed": result.precomputed,
    }


def next_report_run(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next 1st of a month at 06:00 in Stockholm after NOW."""
    local = (now or timezone.now()).astimezone(STOCKHOLM)
    first = local.date().replace(day=1)
    candidate = datetime.datetime.combine(first, REPORTS_AT, tzinfo=STOCKHOLM)
    if candidate <= local:
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        candidate = datetime.datetime.combine(following, REPORTS_AT, tzinfo=STOCKHOLM)
    return candidate


@task()
def monthly_reports(*, reschedule: bool = True) -> dict:
    """E-mail last month's report to every subscriber; schedule the next month's run."""
    from .report import previous_month
    from .report_services import send_monthly_reports

    today = timezone.now().astimezone(STOCKHOLM).date()
    try:
        counts = send_monthly_reports(month=previous_month(today))
    finally:
        if reschedule:
            monthly_reports.using(run_after=next_report_run()).enqueue()
    return counts
