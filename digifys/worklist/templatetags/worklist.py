import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def clock(value: datetime.datetime | None, now: datetime.datetime | None = None) -> str:
    """Show an instant in local (Stockholm) time: '14:30' today, '12 jan 14:30' another day."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = timezone.localdate(now) if now else timezone.localdate()
    if local.date() == today:
        return date_format(local, "H:i")
    return date_format(local, "DAY_MONTH_TIME_FORMAT")
