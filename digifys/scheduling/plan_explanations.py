"""The week planner's presentation: why each plan item went where it did, in plain sentences."""

import datetime
from collections import defaultdict

from django.utils import formats
from django.utils.translation import get_language_info, gettext_lazy
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
    if item.clinician_id is None:
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
    result = defaultdict(list)
    for absence in Absence.objects.filter(
        staff__in=staff,
        starts_on__lte=week_start + datetime.timedelta(days=HORIZON_DAYS),
        ends_on__gte=week_start - datetime.timedelta(days=1),
    ):
        result[absence.staff_id].append(absence)
    return result
