"""The events of a consult's thread, stored as code + parameters (`ConsultMessage.code/params`).

Each code renders in the reader's language at display time (issue 12 §4 item 5). Parameters are
values, not translated text: names of people as they were at the time, choice codes (a route, an
order's kind) shown as their labels, reasons and instructions as the user typed them, and vital
signs as numbers formatted in the reader's locale. Orders' events are here too: they belong to
the consult's thread.
"""

from django.apps import apps
from django.utils import formats
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_noop

from digifys.core.codes import Phrase
from digifys.core.time import STOCKHOLM
from digifys.vitals.summary import summary


def _routes():
    return apps.get_model("consults", "Consult").RoutedTo


def _order_kinds():
    return apps.get_model("orders", "Order").Kind


def _result(params: dict) -> str:
    """A task's result: the vital signs measured (in the reader's formats) and what was typed."""
    return ". ".join(part for part in (summary(params.get("vitals")), params.get("note")) if part)


class TaskPhrase(Phrase):
    """A task event: its result is composed from the vital signs and the typed note."""

    def __call__(self, params):
        params = dict(params or {})
        if "result" in self.names:
            params["result"] = _result(params)
        return super().__call__(params)


ORDER_KIND = {"kind": _order_kinds}


def _draft_kinds():
    return apps.get_model("clinicians", "SupervisedDraft").Kind


DRAFT_KIND = {"kind": _draft_kinds}


def _when(value) -> str:
    """An ISO instant in the reader's date and time format, on Stockholm's clock."""
    instant = parse_datetime(value) if isinstance(value, str) else value
    if instant is None:
        return str(value or "")
    return formats.date_format(instant.astimezone(STOCKHOLM), "DATETIME_FORMAT")


def _day(value) -> str:
    day = parse_date(value) if isinstance(value, str) else value
    return formats.date_format(day, "DATE_FORMAT") if day else str(value or "")


EVENTS = {
    "sent": Phrase(gettext_noop("Sent to %(name)s (%(route)s)."), choices={"route": _routes}),
    # Why the on-duty physician was chosen (consults.routing): the dated rota, or the weekly
    # pattern on a day without a rota.
    "route_rota": Phrase(
        gettext_noop("%(name)s is on duty per the rota (shift %(start)s – %(end)s)."),
        formats={"start": _when, "end": _when},
    ),
    "route_weekly_pattern": Phrase(
        gettext_noop(
            "There is no rota for %(day)s, so the weekly on-duty pattern was used: %(name)s is "
            "on duty."
        ),
        formats={"day": _day},
    ),
    "accepted": Phrase(gettext_noop("Accepted by %(name)s.")),
    "handed_over": Phrase(gettext_noop("Handed over from %(from)s to %(to)s: %(reason)s")),
    "closed": Phrase(gettext_noop("Closed: %(reason)s")),
    "escalated": Phrase(gettext_noop("The deadline passed. Escalated from %(from)s to %(to)s.")),
    "escalated_nobody": Phrase(
        gettext_noop(
            "The deadline passed and no other physician is on duty. Follow the unit's routine "
            "(on-call physician, 1177 or 112)."
        )
    ),
    # Supervised clinicians' drafts (issue #15 §2): the nurse sees what awaits countersignature.
    "countersign_awaiting": Phrase(
        gettext_noop("%(name)s's %(kind)s awaits countersignature by %(supervisor)s."),
        choices=DRAFT_KIND,
    ),
    "countersign_escalated": Phrase(
        gettext_noop("Urgent: sent at once to the supervisor %(supervisor)s.")
    ),
    "countersigned": Phrase(
        gettext_noop("%(supervisor)s countersigned %(name)s's %(kind)s; it is now in effect."),
        choices=DRAFT_KIND,
    ),
    "countersign_returned": Phrase(
        gettext_noop("%(supervisor)s returned %(name)s's %(kind)s: %(comment)s"),
        choices=DRAFT_KIND,
    ),
    "vitals_request": Phrase(gettext_noop("Please take new vital signs (NEWS2) and record them.")),
    "order_placed": Phrase(
        gettext_noop("Order: %(kind)s: %(instructions)s (tasks: %(count)s)"), choices=ORDER_KIND
    ),
    "task_done": TaskPhrase(
        gettext_noop("Done: %(kind)s: %(instructions)s — %(result)s"), choices=ORDER_KIND
    ),
    "task_overdue": Phrase(
        gettext_noop("Task overdue: %(kind)s: %(instructions)s"), choices=ORDER_KIND
    ),
    "order_cancelled": Phrase(gettext_noop("Order cancelled: %(reason)s")),
}
