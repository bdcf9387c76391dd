"""Work under supervision: drafts take effect only on countersignature (issue #15 §2)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.clinicians import supervision
from digifys.clinicians.models import SupervisedDraft
from digifys.consults.models import ConsultMessage, JournalNote
from digifys.consults.services import save_note, sign_note
from digifys.medicationreviews.models import MedicationReview
from digifys.medicationreviews.services import record_review
from digifys.notifications.models import Notification
from digifys.orders.models import NurseTask, Order
from digifys.orders.services import place_order

from .conftest import a_consult

pytestmark = pytest.mark.django_db


def _note(world, consult):
    return save_note(
        actor=world.physician_spain,
        consult=consult,
        aktuellt="Trött sedan i morse.",
        status="AT gott, AF 18.",
        bedomning="Trolig virusinfektion.",
        atgard="Kontroll i morgon.",
    )


def test_a_supervised_note_is_unsigned_until_the_supervisor_countersigns(world, supervised):
    consult = a_consult(world)
    note = sign_note(actor=world.physician_spain, note=_note(world, consult))
    assert not note.is_signed
    draft = SupervisedDraft.objects.get()
    assert (draft.kind, draft.status, draft.supervisor) == (
        "note",
        "awaiting",
        world.other_physician.staff_profile,
    )
    assert Notification.objects.filter(
        recipient=world.other_physician, kind=Notification.Kind.COUNTERSIGNATURE
    ).exists()
    # The nurse sees it in the consult's thread.
    assert consult.messages.filter(code="countersign_awaiting").exists()
    supervision.countersign(actor=world.other_physician, draft=draft)
    note.refresh_from_db()
    assert note.is_signed
    draft.refresh_from_db()
    assert draft.status == SupervisedDraft.Status.COUNTERSIGNED
    assert AuditEvent.objects.filter(
        object_type="countersignature", object_id=str(draft.pk)
    ).exists()
    assert Notification.objects.filter(
        recipient=world.physician_spain, code="countersign_done"
    ).exists()


def test_only_the_named_supervisor_countersigns(world, supervised):
    consult = a_consult(world)
    sign_note(actor=world.physician_spain, note=_note(world, consult))
    draft = SupervisedDraft.objects.get()
    with pytest.raises(PermissionDenied):
        supervision.countersign(actor=world.physician_spain, draft=draft)
    with pytest.raises(PermissionDenied):
        supervision.countersign(actor=world.coordinator, draft=draft)
    assert not JournalNote.objects.get(pk=draft.object_id).is_signed


def test_a_note_changed_after_sending_is_not_countersigned(world, supervised):
    consult = a_consult(world)
    sign_note(actor=world.physician_spain, note=_note(world, consult))
    save_note(
        actor=world.physician_spain,
        consult=consult,
        aktuellt="Ändrad text.",
        status="",
        bedomning="",
        atgard="",
    )
    draft = SupervisedDraft.objects.get()
    with pytest.raises(ValidationError):
        supervision.countersign(actor=world.other_physician, draft=draft)
    assert not JournalNote.objects.get(pk=draft.object_id).is_signed


def test_a_returned_note_stays_a_draft_with_the_comment(world, supervised):
    consult = a_consult(world)
    sign_note(actor=world.physician_spain, note=_note(world, consult))
    draft = SupervisedDraft.objects.get()
    with pytest.raises(ValidationError):
        supervision.return_draft(actor=world.other_physician, draft=draft, comment="  ")
    supervision.return_draft(
        actor=world.other_physician, draft=draft, comment="Ange saturation i status."
    )
    draft.refresh_from_db()
    assert (draft.status, draft.comment) == ("returned", "Ange saturation i status.")
    assert not JournalNote.objects.get(pk=draft.object_id).is_signed
    assert consult.messages.filter(code="countersign_returned").exists()


def test_a_supervised_order_makes_no_tasks_until_countersigned(world, supervised):
    consult = a_consult(world)
    order = place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
        consult=consult,
    )
    assert order.tasks.count() == 0
    consult.refresh_from_db()
    assert consult.is_waiting  # not answered by a draft
    draft = SupervisedDraft.objects.get(kind="order")
    supervision.countersign(actor=world.other_physician, draft=draft)
    assert NurseTask.objects.filter(order=order).count() == 1
    consult.refresh_from_db()
    assert consult.status == "answered"


def test_a_returned_order_is_cancelled(world, supervised):
    place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
    )
    draft = SupervisedDraft.objects.get(kind="order")
    supervision.return_draft(actor=world.other_physician, draft=draft, comment="Inte nu.")
    order = Order.objects.get()
    assert order.cancelled_at is not None
    assert not order.tasks.exists()


def test_a_supervised_medication_review_is_documented_only_on_countersignature(world, supervised):
    result = record_review(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="simple",
        performed_on=timezone.localdate(),
        findings="Inga interaktioner.",
    )
    assert isinstance(result, SupervisedDraft)
    assert not MedicationReview.objects.exists()
    supervision.countersign(actor=world.other_physician, draft=result)
    review = MedicationReview.objects.get()
    assert review.performed_by == world.physician_spain.staff_profile
    assert review.findings == "Inga interaktioner."


def test_an_urgent_consult_escalates_to_the_supervisor_at_once(world, supervised):
    consult = a_consult(world, urgency="urgent")
    sign_note(actor=world.physician_spain, note=_note(world, consult))
    draft = SupervisedDraft.objects.get()
    assert draft.urgent
    assert (draft.deadline - draft.submitted_at).total_seconds() == 30 * 60
    assert consult.messages.filter(code="countersign_escalated").exists()
    assert Notification.objects.filter(
        recipient=world.other_physician, code="countersign_urgent"
    ).exists()


def test_the_supervisor_sees_the_queue_in_the_inbox_and_countersigns_in_the_browser(
    world, supervised, login
):
    consult = a_consult(world)
    sign_note(actor=world.physician_spain, note=_note(world, consult))
    draft = SupervisedDraft.objects.get()
    client = login(world.other_physician, language="en")
    inbox = client.get(reverse("consults:inbox")).content.decode()
    assert "To countersign" in inbox
    assert reverse("clinicians:draft", args=[draft.pk]) in inbox
    page = client.get(reverse("clinicians:draft", args=[draft.pk]))
    assert "Trolig virusinfektion." in page.content.decode()
    refused = client.post(reverse("clinicians:countersign", args=[draft.pk]), {})
    assert refused.status_code == 400
    assert not JournalNote.objects.get(pk=draft.object_id).is_signed
    done = client.post(reverse("clinicians:countersign", args=[draft.pk]), {"sign-confirm": "on"})
    assert done.status_code == 302
    assert JournalNote.objects.get(pk=draft.object_id).is_signed
    # The nurse's view of the consult: the countersignature is in the thread.
    nurse = login(world.nurse_mala, language="en")
    body = nurse.get(reverse("consults:detail", args=[consult.pk])).content.decode()
    assert "countersigned" in body
    assert ConsultMessage.objects.filter(consult=consult, code="countersigned").exists()


def test_the_inbox_reads_the_queue_narrowly_and_once(world, supervised, login):
    """Issue 12 §3: the inbox's summary of the drafts to countersign reads what it shows in one
    query (no read per draft when it renders), not every column of the residents and consults."""
    client = login(world.other_physician, language="en")
    url = reverse("consults:inbox")

    def inbox_reads():
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).content.decode()
        return body, [q["sql"] for q in queries]

    sign_note(actor=world.physician_spain, note=_note(world, a_consult(world)))
    inbox_reads()  # warm the session
    _body, one = inbox_reads()
    sign_note(actor=world.physician_spain, note=_note(world, a_consult(world)))
    body, two = inbox_reads()
    assert len(two) == len(one)
    for draft in SupervisedDraft.objects.all():
        assert reverse("clinicians:draft", args=[draft.pk]) in body
    assert f"{world.physician_spain.get_full_name()}, {world.unit_mala}" in body
    drafts = [sql for sql in two if 'FROM "clinicians_superviseddraft"' in sql]
    assert len(drafts) == 1, drafts
    assert '"residents_resident"."identity_number"' not in drafts[0]
    assert '"consults_consult"' not in drafts[0]


def test_the_nurse_sees_awaiting_countersignature(world, supervised, login):
    consult = a_consult(world)
    sign_note(actor=world.physician_spain, note=_note(world, consult))
    nurse = login(world.nurse_mala, language="en")
    body = nurse.get(reverse("consults:detail", args=[consult.pk])).content.decode()
    assert "Awaiting countersignature" in body


def test_another_physician_cannot_open_the_draft(world, supervised, login):
    consult = a_consult(world)
    sign_note(actor=world.physician_spain, note=_note(world, consult))
    draft = SupervisedDraft.objects.get()
    draft.supervisor = world.physician_spain.staff_profile  # neither of them is other_physician
    draft.save()
    client = login(world.other_physician)
    assert client.get(reverse("clinicians:draft", args=[draft.pk])).status_code == 404


def test_an_order_countersigned_after_its_due_time_starts_now(world, supervised):
    import datetime

    import time_machine

    start = timezone.now() + datetime.timedelta(minutes=10)
    order = place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Kontrollera vitalparametrar.",
        first_due_at=start,
    )
    draft = SupervisedDraft.objects.get(kind="order")
    later = start + datetime.timedelta(hours=3)
    with time_machine.travel(later, tick=False):
        supervision.countersign(actor=world.other_physician, draft=draft)
    task = NurseTask.objects.get(order=order)
    assert task.due_at == later
