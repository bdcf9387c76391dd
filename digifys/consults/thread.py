"""Writing an event into a consult's thread: the lowest layer of the consult services.

Kept apart from services.py so that modules the consult services call (clinicians.drafts, which
puts a supervised clinician's work in the supervisor's queue) can write to the thread without
importing the services back (docs/architecture.md, "Module layout and import circles").
"""

from .events import EVENTS
from .models import ConsultMessage


def event(consult_id: int, code: str, params: dict | None = None, *, actor=None) -> ConsultMessage:
    """Record an event in a consult's thread as CODE (a key of events.EVENTS) + PARAMS: values,
    never translated text; each reader sees it in their language (issue 12 §4 item 5)."""
    if code not in EVENTS:
        raise ValueError(f"unknown consult event {code!r}")
    return ConsultMessage.objects.create(
        consult_id=consult_id,
        author=actor,
        kind=ConsultMessage.Kind.EVENT,
        code=code,
        params=params or {},
    )
