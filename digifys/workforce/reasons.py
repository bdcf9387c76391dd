"""Why a shift swap was refused, in words: the reason codes and their phrases.

Stored as a code and parameters (values: names, ISO instants, numbers, never translated text;
see `core.codes`) and rendered in the reader's language. Below both `checks` (which decides) and
`models` (whose `SwapRequest.refusal_text` renders a stored refusal), so neither imports the other.
"""

import dataclasses

from django.utils import formats
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from digifys.core.codes import Phrase, render
from digifys.core.time import STOCKHOLM


def _when(value) -> str:
    instant = parse_datetime(value) if isinstance(value, str) else value
    if instant is None:
        return str(value)
    return formats.date_format(instant.astimezone(STOCKHOLM), "DATETIME_FORMAT")


def _number(value) -> str:
    return formats.localize(value)


REASONS = {
    "not_yours": Phrase(
        gettext_noop("%(name)s does not hold the shift starting %(start)s."),
        formats={"start": _when},
    ),
    "started": Phrase(
        gettext_noop("The shift starting %(start)s has already begun; it cannot be swapped."),
        formats={"start": _when},
    ),
    "same_person": Phrase(gettext_noop("A swap needs two different clinicians.")),
    "absent": Phrase(
        gettext_noop(
            "Cover would break: %(name)s is registered as away on %(day)s and cannot take the "
            "shift starting %(start)s."
        ),
        formats={"start": _when},
    ),
    "licence": Phrase(
        gettext_noop(
            "%(name)s has no valid licence on %(day)s and may not take the shift starting "
            "%(start)s."
        ),
        formats={"start": _when},
    ),
    "rest": Phrase(
        gettext_noop(
            "Daily rest would break: %(name)s would have only %(hours)s hours between the shift "
            "ending %(end)s and the one starting %(start)s; at least 11 hours are required."
        ),
        formats={"end": _when, "start": _when, "hours": _number},
    ),
    "overlap": Phrase(
        gettext_noop(
            "%(name)s would hold two shifts at once: the one ending %(end)s and the one "
            "starting %(start)s."
        ),
        formats={"end": _when, "start": _when},
    ),
}


@dataclasses.dataclass(frozen=True)
class Reason:
    code: str
    params: dict

    @property
    def text(self) -> str:
        return render_reason(self.code, self.params)


def render_reason(code: str, params: dict | None) -> str:
    if not code:
        return ""
    return render(REASONS, code, params or {}, "")
