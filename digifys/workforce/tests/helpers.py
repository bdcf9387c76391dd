"""Small rota fixtures for the workforce tests: shifts on Stockholm's clock, days ahead."""

import datetime

from django.utils import timezone

from digifys.core.time import STOCKHOLM
from digifys.workforce.models import RotaMonth, Shift


def day_ahead(days: int = 10) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=STOCKHOLM)


def rota_for(user) -> RotaMonth:
    month = day_ahead().replace(day=1)
    rota, _created = RotaMonth.objects.get_or_create(month=month, defaults={"built_by": user})
    return rota


def shift(rota, staff, day: datetime.date, hour: int, hours: int = 8) -> Shift:
    start = at(day, hour)
    return Shift.objects.create(
        rota=rota, staff=staff, starts_at=start, ends_at=start + datetime.timedelta(hours=hours)
    )
