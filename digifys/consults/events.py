"""The events of a consult's thread, stored as code + parameters (`ConsultMessage.code/params`).

Each code renders in the reader's language at display time (issue 12 §4 item 5). Parameters are
values, not translated text: names of people as they were at the time, choice codes (a route, an
order's kind) shown as their labels, reasons and instructions as the user typed them, and vital
signs as numbers formatted in the reader's locale. Orders' events are here too: they belong to
the consult's thread.
"""

from django.apps import apps
from django.utils.translation import gettext_noop

from digifys.core.codes import Phrase
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

EVENTS = {
    "sent": Phrase(gettext_noop("Sent to %(name)s (%(route)s)."), choices={"route": _routes}),
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
