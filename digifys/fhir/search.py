"""Search parameters shared by every resource: parsing, date prefixes, paging and the Bundle.

Unknown parameters are refused (400) rather than ignored, so a client never mistakes an unfiltered
result for a filtered one.
"""

import datetime
import re
from urllib.parse import urlencode

from django.db.models import Q
from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle

from digifys.core.time import STOCKHOLM

from .errors import FhirError
from .versions import stamp

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 10_000
PREFIXES = ("eq", "lt", "le", "gt", "ge")
DATE = re.compile(
    r"(?P<prefix>[a-z]{2})?(?P<year>\d{4})(-(?P<month>\d{2})(-(?P<day>\d{2})"
    r"(T(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(\.\d{1,9})?)?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?)?)?"
)
EARLIEST = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC)
ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def bad(message: str, parameter: str) -> FhirError:
    return FhirError(400, "invalid", message, expression=[parameter])


def known(params, allowed: set[str], *, strict: bool):
    """Return PARAMS without the parameters this search does not know.

    FHIR's default is lenient (unknown parameters are ignored and left out of the `self` link);
    with `Prefer: handling=strict`, and always for conditional-create criteria, an unknown
    parameter is refused (400), so a filter is never silently dropped.
    """
    unknown = [name for name in params if name not in allowed]
    if unknown and strict:
        raise FhirError(
            400,
            "not-supported",
            _("Unknown search parameter: %(name)s.") % {"name": unknown[0][:100]},
            expression=[unknown[0][:100]],
        )
    kept = params.copy()
    for name in unknown:
        del kept[name]
    return kept


def is_strict(request) -> bool:
    return "handling=strict" in request.headers.get("Prefer", "").replace(" ", "")


def single(params, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise bad(_("Give this parameter at most once."), name)
    return values[0] if values else None


def whole_number(params, name: str, default: int, maximum: int) -> int:
    value = single(params, name)
    if value is None:
        return default
    if not re.fullmatch(r"\d{1,6}", value) or int(value) > maximum:
        raise bad(
            _("%(name)s must be a whole number from 0 to %(max)s.")
            % {"name": name, "max": maximum},
            name,
        )
    return int(value)


def count_and_offset(params) -> tuple[int, int]:
    return (
        whole_number(params, "_count", DEFAULT_COUNT, MAX_COUNT),
        whole_number(params, "_offset", 0, MAX_OFFSET),
    )


def date_range(value: str, name: str) -> tuple[str, datetime.datetime, datetime.datetime]:
    """Parse a date search value with its prefix: (prefix, start, end) of the period it names."""
    match = DATE.fullmatch(value)
    if not match or (match["prefix"] or "eq") not in PREFIXES:
        raise bad(
            _("%(name)s takes a date such as ge2026-01-31 (prefixes eq, lt, le, gt, ge).")
            % {"name": name},
            name,
        )
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k not in ("prefix", "zone")}
    zone = match["zone"]
    tz = STOCKHOLM
    if zone:
        tz = (
            datetime.UTC
            if zone == "Z"
            else datetime.timezone(
                (1 if zone[0] == "+" else -1)
                * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            )
        )
    try:
        start = datetime.datetime(
            parts["year"],
            parts.get("month", 1),
            parts.get("day", 1),
            parts.get("hour", 0),
            parts.get("minute", 0),
            parts.get("second", 0),
            tzinfo=tz,
        )
        if "second" in parts:
            end = start + datetime.timedelta(seconds=1)
        elif "minute" in parts:
            end = start + datetime.timedelta(minutes=1)
        elif "day" in parts:
            end = start + datetime.timedelta(days=1)
        elif "month" in parts:
            end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        else:
            end = start.replace(year=start.year + 1)
    except (ValueError, OverflowError) as error:
        raise bad(_("%(name)s is not a valid date.") % {"name": name}, name) from error
    return match["prefix"] or "eq", _in_range(start), _in_range(end)


def _in_range(moment: datetime.datetime) -> datetime.datetime:
    """MOMENT in UTC, clamped to what the database can compare (year 1 +14:00 is before year 1
    in UTC; 9999-12-31 -14:00 is after 9999)."""
    try:
        return moment.astimezone(datetime.UTC)
    except OverflowError:
        return EARLIEST if moment.year < 2 else LATEST


def date_filter(params, name: str, field: str) -> Q:
    """AND of every NAME= value as a filter on the datetime FIELD."""
    condition = Q()
    for value in params.getlist(name):
        prefix, start, end = date_range(value, name)
        condition &= {
            "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
            "lt": Q(**{f"{field}__lt": start}),
            "le": Q(**{f"{field}__lt": end}),
            "gt": Q(**{f"{field}__gte": end}),
            "ge": Q(**{f"{field}__gte": start}),
        }[prefix]
    return condition


def tokens(value: str) -> list[tuple[str | None, str]]:
    """Parse a token search value (comma = OR): [(system or None, code)]."""
    result = []
    for item in value.split(","):
        system, bar, code = item.partition("|")
        result.append((system, code) if bar else (None, item))
    return result


def reference_ids(params, name: str, resource: str) -> list[str] | None:
    """The ids of a reference parameter (`Patient/1`, `1`; comma = OR), None when absent."""
    value = single(params, name)
    if value is None:
        return None
    ids = []
    for item in value.split(","):
        item = item.removeprefix(f"{resource}/")
        if not ID.fullmatch(item):
            raise bad(_("%(name)s must reference a %(resource)s.") % locals(), name)
        ids.append(item)
    return ids


def sort_keys(params, allowed: dict[str, str], default: list[str]) -> list[str]:
    """Translate _sort (comma-separated, '-' for descending) into ORDER BY fields."""
    value = single(params, "_sort")
    if value is None:
        return default
    fields = []
    for key in value.split(","):
        descending = key.startswith("-")
        name = key.removeprefix("-")
        if name not in allowed:
            raise bad(_("_sort takes: %(keys)s.") % {"keys": ", ".join(sorted(allowed))}, "_sort")
        fields.append(("-" if descending else "") + allowed[name])
    return fields


def searchset(params, base: str, resources, total: int, count: int, offset: int) -> dict:
    """A searchset Bundle with `self` and, where there is more, `next` and `previous` links."""

    def link(relation: str, at: int) -> dict:
        query = [(k, v) for k, values in params.lists() for v in values if k != "_offset"]
        if at:
            query.append(("_offset", str(at)))
        return {"relation": relation, "url": f"{base}?{urlencode(query)}" if query else base}

    links = [link("self", offset)]
    if offset + count < total and count:
        links.append(link("next", offset + count))
    if offset > 0:
        links.append(link("previous", max(offset - count, 0)))
    for resource in resources:
        stamp(resource)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base.rsplit('/', 1)[0]}/{r.get_resource_type()}/{r.id}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }
    return Bundle.model_validate(bundle)
