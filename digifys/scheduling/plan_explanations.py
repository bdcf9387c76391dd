"""The week planner's presentation: why each plan item went where it did, in plain sentences.

When a plan is stored, `reasons_for` records why each item left its named physician (and its
deputy) as codes with parameters (`PlanItem.reasons`): the absence and its kind, the public
holiday (country, region and date), not working then, fully booked, no Swedish licence, or moved
to a later week to keep a round. `explain` renders them in the reader's language: a holiday by
the name the `holidays` package gives it in that language ("Día de la Inmaculada Concepción",
"Immaculate Conception"), in the country's own language when the package has none for the
reader's, or as stored for a local day.
"""

import datetime
from collections import defaultdict

import holidays as holidays_lib
from django.utils import formats
from django.utils.translation import get_language, get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from digifys.core.time import STOCKHOLM
from digifys.directory.models import StaffProfile

from .models import Absence, PlanItem
from .plan_inputs import HORIZON_DAYS


def when_text(instant: datetime.datetime) -> str:
    """Return INSTANT as a short Stockholm date and time, as plans show it."""
    local = instant.astimezone(STOCKHOLM)
    return f"{formats.date_format(local.date(), 'SHORT_DATE_FORMAT')} {local:%H:%M}"


# Languages of Sweden's national minorities that Django's language list lacks.
MINORITY_LANGUAGES = {
    "se": gettext_lazy("Northern Sami"),
    "smj": gettext_lazy("Lule Sami"),
    "sma": gettext_lazy("Southern Sami"),
    "fit": gettext_lazy("Meänkieli"),
    "rom": gettext_lazy("Romani"),
    "yi": gettext_lazy("Yiddish"),
}


def _language_name(code: str) -> str:
    if code in MINORITY_LANGUAGES:
        return str(MINORITY_LANGUAGES[code])
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


def day_span(first: datetime.date, last: datetime.date) -> str:
    """Return the days FIRST–LAST as people write them: "3–9 June", "28 November–6 December"."""
    if first == last:
        return formats.date_format(first, "j F")
    if first.month == last.month and first.year == last.year:
        return f"{first.day}–{formats.date_format(last, 'j F')}"
    return f"{formats.date_format(first, 'j F')}–{formats.date_format(last, 'j F')}"


def _why_not(
    person: StaffProfile | None, status: str, absences_of, item: PlanItem, role: str
) -> str:
    name = person.name if person else "?"
    if status == "unavailable":
        first = item.earliest_at.astimezone(STOCKHOLM).date()
        last = item.deadline_at.astimezone(STOCKHOLM).date()
        for absence in absences_of.get(person.pk if person else None, []):
            if absence.starts_on <= last and absence.ends_on >= first:
                return _("%(role)s %(name)s on %(kind)s %(days)s") % {
                    "role": role,
                    "name": name,
                    "kind": absence.get_kind_display().lower(),
                    "days": day_span(absence.starts_on, absence.ends_on),
                }
        return _("%(role)s %(name)s not working then") % {"role": role, "name": name}
    if status == "full":
        return _("%(role)s %(name)s fully booked this week") % {"role": role, "name": name}
    if status == "unlicensed":
        return _("%(role)s %(name)s has no Swedish licence") % {"role": role, "name": name}
    if status == "locked":
        return _("%(role)s %(name)s was not free in the kept plan") % {"role": role, "name": name}
    return ""


# --- Reasons stored as codes -------------------------------------------------------------------

ROLES = {"named": gettext_lazy("Named physician"), "deputy": gettext_lazy("Deputy")}
LIBRARY_LANGUAGE = {"en": "en_US", "sv": "sv", "es": "es"}


def holiday_name(country: str, subdivision: str, day: datetime.date, fallback: str = "") -> str:
    """The public holiday at COUNTRY/SUBDIVISION on DAY in the active language, if the package
    has that language, else in the country's own; FALLBACK (a local day's stored name) else."""
    wanted = LIBRARY_LANGUAGE.get((get_language() or "sv")[:2])
    cls = holidays_lib.country_holidays(country, years=day.year).__class__
    # Without a language the package follows the process locale: ask for the country's own.
    own = getattr(cls, "default_language", None)
    language = wanted if wanted in getattr(cls, "supported_languages", ()) else own
    try:
        calendar = holidays_lib.country_holidays(
            country, subdiv=subdivision or None, years=day.year, language=language
        )
    except NotImplementedError:
        calendar = holidays_lib.country_holidays(country, years=day.year, language=language)
    return calendar.get(day) or fallback


def _absence_kind(kind: str) -> str:
    return str(dict(Absence.Kind.choices).get(kind, kind)).lower()


def _render_reason(code: str, params: dict) -> str:
    role = str(ROLES.get(params.get("role"), ""))
    name = params.get("name", "?")
    if code == "absent":
        return _("%(role)s %(name)s on %(kind)s %(days)s") % {
            "role": role,
            "name": name,
            "kind": _absence_kind(params.get("kind", "")),
            "days": day_span(
                datetime.date.fromisoformat(params["first"]),
                datetime.date.fromisoformat(params["last"]),
            ),
        }
    if code == "holiday":
        day = datetime.date.fromisoformat(params["date"])
        return _("%(role)s %(name)s off for the public holiday %(holiday)s (%(day)s)") % {
            "role": role,
            "name": name,
            "holiday": holiday_name(
                params.get("country", "SE"), params.get("subdivision", ""), day,
                params.get("holiday", ""),
            ),
            "day": formats.date_format(day, "j F"),
        }  # fmt: skip
    if code == "cannot":
        return _("%(role)s %(name)s has said they cannot work then") % {
            "role": role,
            "name": name,
        }
    if code == "off":
        return _("%(role)s %(name)s not working then") % {"role": role, "name": name}
    if code == "full":
        return _("%(role)s %(name)s fully booked this week") % {"role": role, "name": name}
    if code == "busy":
        return _("%(role)s %(name)s busy at that time") % {"role": role, "name": name}
    if code == "unlicensed":
        return _("%(role)s %(name)s has no Swedish licence") % {"role": role, "name": name}
    if code == "deferred":
        if params.get("round_unit"):
            return _("Moved to week %(week)s to keep the ward round at %(unit)s with %(name)s") % {
                "week": params.get("week"),
                "unit": params["round_unit"],
                "name": name,
            }
        return _("Moved to week %(week)s to stay with %(name)s, whose week is full") % {
            "week": params.get("week"),
            "name": name,
        }
    return ""


def _unavailable_reason(role, person, item, absences, holiday_days, cannot=()) -> dict:
    """Why PERSON has no free time in ITEM's window: an absence, a public holiday, the hours
    they stated they cannot work (CANNOT: [(start, end)] instants), or their working hours."""
    params = {"role": role, "name": person.name}
    first = item.earliest_at.astimezone(STOCKHOLM).date()
    last = (item.deadline_at - datetime.timedelta(minutes=1)).astimezone(STOCKHOLM).date()
    for absence in absences:
        if absence.starts_on <= last and absence.ends_on >= first:
            return {
                "code": "absent",
                "params": params
                | {
                    "kind": absence.kind,
                    "first": absence.starts_on.isoformat(),
                    "last": absence.ends_on.isoformat(),
                },
            }
    for day, name in holiday_days:
        if first <= day <= last:
            return {
                "code": "holiday",
                "params": params
                | {
                    "date": day.isoformat(),
                    "country": person.work_country or "SE",
                    "subdivision": (person.work_subdivision or "").strip().upper(),
                    "holiday": name,
                },
            }
    if any(start < item.deadline_at and end > item.earliest_at for start, end in cannot):
        return {"code": "cannot", "params": params}
    return {"code": "off", "params": params}


def reasons_for(
    item: PlanItem, *, absences_of: dict, holidays_of: dict, extra=None, cannot_of=None
) -> list:
    """The codes and parameters that say why ITEM (not yet saved) went where it did.

    ABSENCES_OF and HOLIDAYS_OF: by staff pk, the absences and the [(date, name)] public
    holidays around the week. EXTRA: {"deferred_week": n, "round_unit": name} for a deferral.
    CANNOT_OF: by staff pk, the [(start, end)] instants they stated they cannot work.
    """
    cannot_of = cannot_of or {}
    reasons = []
    for role, person, status in (
        ("named", item.named, item.named_status),
        ("deputy", item.deputy, item.deputy_status),
    ):
        if person is None or status in ("", "chosen", "none", "not_needed"):
            continue
        if role == "deputy" and (item.tier in ("named", "deputy") or item.deferred):
            continue
        if status == "unavailable":
            absences = absences_of.get(person.pk, ())
            days_off = holidays_of.get(person.pk, ())
            reasons.append(
                _unavailable_reason(
                    role, person, item, absences, days_off, cannot_of.get(person.pk, ())
                )
            )
        elif status in ("full", "unlicensed"):
            # A ward round has its time: "full" then means busy at that time, not all week.
            code = "busy" if status == "full" and item.kind == PlanItem.Kind.ROUND else status
            reasons.append({"code": code, "params": {"role": role, "name": person.name}})
    if item.deferred and item.named is not None:
        extra = extra or {}
        reasons.append(
            {
                "code": "deferred",
                "params": {
                    "week": extra.get("deferred_week"),
                    "name": item.named.name,
                    "round_unit": extra.get("round_unit", ""),
                },
            }
        )
    return reasons


def explain(item: PlanItem, absences_of: dict) -> list[str]:
    """Return human sentences saying why ITEM went where it did (in the active language)."""
    lines = []
    named_role, deputy_role = _("Named physician"), _("Deputy")
    if item.kept:
        lines.append(_("Kept from the previous plan"))
    if item.edited_by_id:
        lines.append(_("Moved by the coordinator"))
    outcome = {
        "named": "",
        "deputy": _("deputy"),
        "team": _("same team"),
        "other": _("other physician"),
        "locum": _("locum"),
    }
    if not item.named_id and item.kind != PlanItem.Kind.ROUND and item.resident_id:
        lines.append(_("No named physician registered"))
    elif not item.named_id and item.kind == PlanItem.Kind.ROUND:
        lines.append(_("The round has no regular physician"))
    if item.tier == PlanItem.Tier.NAMED:
        if not item.kept and not item.edited_by_id:
            lines.append(_("Named physician"))
    elif item.reasons and not item.edited_by_id:
        why = [_render_reason(r.get("code", ""), r.get("params") or {}) for r in item.reasons]
        moved = [w for r, w in zip(item.reasons, why, strict=True) if r.get("code") == "deferred"]
        why = [
            w for r, w in zip(item.reasons, why, strict=True) if w and r.get("code") != "deferred"
        ]
        if item.deferred:
            lines.extend(moved)
            if why:
                lines.append("; ".join(why))
        else:
            target = outcome.get(item.tier) or _("not placed")
            if why:
                lines.append(_("%(why)s → %(target)s") % {"why": "; ".join(why), "target": target})
            elif item.tier:
                lines.append(target[:1].upper() + target[1:])
    elif item.named_id and not item.edited_by_id:
        reasons = [_why_not(item.named, item.named_status, absences_of, item, named_role)]
        if item.tier != PlanItem.Tier.DEPUTY and item.deputy_id:
            reasons.append(
                _why_not(item.deputy, item.deputy_status, absences_of, item, deputy_role)
            )
        reasons = [r for r in reasons if r]
        target = outcome.get(item.tier) or _("not placed")
        if reasons:
            lines.append(_("%(why)s → %(target)s") % {"why": "; ".join(reasons), "target": target})
        elif item.tier:
            lines.append(target[:1].upper() + target[1:])
    if item.clinician_id is None and not item.deferred:
        lines.append(
            _("Nobody suitable is free between %(first)s and %(last)s")
            % {"first": when_text(item.earliest_at), "last": when_text(item.deadline_at)}
        )
    if item.interpreter:
        lines.append(
            _("No %(language)s speaker free → needs an interpreter (not booked)")
            % {"language": _language_name(item.language)}
        )
    if item.work_request_id:
        last_day = (item.deadline_at - datetime.timedelta(minutes=1)).astimezone(STOCKHOLM).date()
        lines.append(_("Deadline %(day)s") % {"day": formats.date_format(last_day, "j F")})
    return lines


def absences_for(items, week_start: datetime.date) -> dict:
    """Absences of the named physicians and deputies of ITEMS around the week, by staff pk."""
    staff = {i.named_id for i in items if i.named_id} | {i.deputy_id for i in items if i.deputy_id}
    return absences_for_staff(staff, week_start)


def absences_for_staff(staff, week_start: datetime.date) -> dict:
    """Absences of STAFF (pks or profiles) around the week of WEEK_START, by staff pk."""
    staff = [getattr(s, "pk", s) for s in (staff.values() if isinstance(staff, dict) else staff)]
    result = defaultdict(list)
    for absence in Absence.objects.filter(
        staff__in=staff,
        starts_on__lte=week_start + datetime.timedelta(days=HORIZON_DAYS),
        ends_on__gte=week_start - datetime.timedelta(days=1),
    ):
        result[absence.staff_id].append(absence)
    return result
