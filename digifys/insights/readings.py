"""A figure's value and a chart's plain-language reading, in the reader's language (issue #16 §2).

Nothing here is stored: the pages render the reading for each reader from the figures, with the
numbers in the reader's number format. "Rose", "fell" and "stayed the same" compare the values as
they are shown (rounded to the shown decimals), so a reading never says "rose from 0.74 to 0.74".
"""

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from . import figures
from .targets import TARGETS, met

# decimals shown per unit of a value; a share is shown in per cent
DECIMALS = {"share": 1, "index": 2, "minutes": 1, "hours": 1, "rate": 1, "score": 1, "count": 0}


def rounded(value: float, unit: str) -> float:
    """VALUE as shown: a share in per cent, rounded to the unit's decimals."""
    return round(100 * value if unit == "share" else value, DECIMALS.get(unit, 0))


def number(value: float, unit: str) -> str:
    """A bare value in the reader's number format, with its unit."""
    shown = number_format(rounded(value, unit), DECIMALS.get(unit, 0))
    if unit == "share":
        return f"{shown} %"
    if unit == "minutes":
        return _("%(n)s min") % {"n": shown}
    if unit == "hours":
        return _("%(n)s h") % {"n": shown}
    return shown


def show(value, unit: str, counted: str = "residents") -> str:
    """A figure's value in the reader's number format; a dash or "fewer than 5" otherwise."""
    if value.suppressed:
        if counted == "answers":
            return _("fewer than %(n)s answers") % {"n": figures.SUPPRESS_BELOW}
        return _("fewer than %(n)s residents") % {"n": figures.SUPPRESS_BELOW}
    if value.value is None:
        return "–"
    return number(value.value, unit)


def reading(
    *,
    figure: str,
    place: str,
    unit: str,
    before,
    after,
    has_go_live: bool,
    code: str = "",
    counted: str = "residents",
) -> str:
    """One or two sentences on how FIGURE at PLACE changed at go-live (BEFORE and AFTER values).

    BEFORE and AFTER have `.value` (None when there is none) and `.suppressed`; COUNTED says what
    a suppressed cell had too few of ("residents" or "answers"). CODE names the figure's target.
    """
    words = {"figure": figure, "place": place, "n": figures.SUPPRESS_BELOW}
    if not has_go_live:
        return (
            _(
                "%(figure)s for %(place)s: no unit here has a go-live date, so there is no before "
                "and after to compare."
            )
            % words
        )
    if before.suppressed or after.suppressed:
        if counted == "answers":
            return (
                _(
                    "%(figure)s for %(place)s cannot be compared before and after go-live: fewer "
                    "than %(n)s answers."
                )
                % words
            )
        return (
            _(
                "%(figure)s for %(place)s cannot be compared before and after go-live: fewer than "
                "%(n)s residents."
            )
            % words
        )
    if before.value is None or after.value is None:
        return (
            _(
                "%(figure)s for %(place)s cannot be compared before and after go-live: there are "
                "no figures from both sides of it in this period."
            )
            % words
        )
    words.update(before=number(before.value, unit), after=number(after.value, unit))
    first, last = rounded(before.value, unit), rounded(after.value, unit)
    if last > first:
        text = _("%(figure)s for %(place)s rose from %(before)s before go-live to %(after)s after.")
    elif last < first:
        text = _("%(figure)s for %(place)s fell from %(before)s before go-live to %(after)s after.")
    else:
        text = _("%(figure)s for %(place)s stayed the same before and after go-live: %(after)s.")
    text = text % words
    target = TARGETS.get(code)
    if target is not None:
        goal = {"target": number(target.value, unit)}
        if met(code, after.value):
            text += " " + _("After go-live it met the region's pilot target of %(target)s.") % goal
        else:
            text += " " + (
                _("After go-live it did not meet the region's pilot target of %(target)s.") % goal
            )
    return text
