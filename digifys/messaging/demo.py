"""Demo data for updates and relatives' messages in the synthetic region (small, deterministic).

For the persona relative (``anhorig``) and their resident: two published updates written by the
unit's nurse, and a conversation — a message answered by the nurse two days ago and a new one
from this morning that nobody has read yet, so the unit's worklist shows the unread badge. The
relative with a consent sharing only updates and messages (synth.consents "scoped") has one
answered message. Rows are written as the services would, with the answer deadline from the
unit's calendar and the deadline check queued for the task worker.
"""

import datetime

from django.db import transaction

from digifys.accounts.models import Role
from digifys.directory.models import StaffProfile
from digifys.relatives.models import Consent
from digifys.residents.models import Relative

from .calendar import answer_deadline
from .models import Message, Update

UPDATES = (
    (
        3,
        "Greta har varit med på eftermiddagskaffet i dagrummet och pratat länge med de andra, "
        "och sover bättre sedan den nya madrassen kom.",
    ),
    (
        1,
        "I dag var Greta och jag ute en sväng i trädgården. Doktorn träffade Greta på ronden "
        "och tycker att det går bra. Hör gärna av er om ni undrar något.",
    ),
)
CONVERSATION = (
    (
        2,
        "Hej! Greta lät trött när jag ringde i söndags. Har det varit dåligt med sömnen?",
        "Hej! Greta har sovit lite oroligt några nätter men är pigg på dagarna nu. Vi håller "
        "koll och hör av oss om något ändras.",
    ),
    (0, "Vi kommer på besök på lördag förmiddag. Går det bra att ta med hunden?", ""),
)


def _names(relative: Relative, text: str) -> str:
    return text.replace("Greta", relative.resident.given_name)


def seed_messages(*, now: datetime.datetime) -> int:
    """Create the demo updates and messages; return how many rows were written."""
    in_force = Consent.objects.in_force(now.date())
    persona = (
        Relative.objects.filter(user__username="anhorig", pk__in=in_force.values("relative"))
        .select_related("resident__unit")
        .order_by("pk")
        .first()
    )
    if persona is None or persona.resident.unit is None:
        return 0
    unit = persona.resident.unit
    nurse = (
        StaffProfile.objects.filter(units=unit, profession=Role.NURSE, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if nurse is None:
        return 0
    writer = nurse.user
    rows = 0
    for days_ago, text in UPDATES:
        written = now - datetime.timedelta(days=days_ago, hours=2)
        Update.objects.create(
            resident=persona.resident,
            unit=unit,
            text=_names(persona, text),
            written_by=writer,
            written_at=written,
            approved_by=writer,
            published_at=written + datetime.timedelta(minutes=5),
        )
        rows += 1
    scoped = (
        Relative.objects.filter(
            resident__unit=unit,
            pk__in=in_force.filter(messages=True, care_team=False).values("relative"),
        )
        .select_related("resident__unit")
        .order_by("pk")
        .first()
    )
    conversation = [(persona, *line) for line in CONVERSATION]
    if scoped is not None:
        conversation.append(
            (scoped, 4, "Tack för att ni ringde i går!", "Så lite! Hör av er när ni vill.")
        )
    waiting = []
    for relative, days_ago, text, answer in conversation:
        sent = now - datetime.timedelta(days=days_ago, hours=3 if days_ago else 1)
        message = Message(
            resident=relative.resident,
            unit=unit,
            relative=relative,
            text=_names(relative, text),
            sent_at=sent,
            deadline_at=answer_deadline(unit, sent),
        )
        if answer:
            answered = sent + datetime.timedelta(hours=4)
            message.read_at, message.read_by = sent + datetime.timedelta(hours=1), writer
            message.answer = _names(relative, answer)
            message.answered_at, message.answered_by = answered, writer
        message.save()
        if not answer:
            waiting.append((message.pk, message.deadline_at))
        rows += 1

    def enqueue() -> None:  # as the service does: the deadline check for the task worker
        from .tasks import check_message_deadline

        for pk, deadline in waiting:
            check_message_deadline.using(run_after=deadline).enqueue(message_id=pk)

    transaction.on_commit(enqueue)
    return rows
