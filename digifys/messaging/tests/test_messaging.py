"""Updates for relatives and relatives' messages (issue #13 §2): the scope matrix, the rules,
notifications, the working-day deadline and its one-time escalation."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from digifys.accounts.models import Role
from digifys.audit.models import AuditEvent
from digifys.directory.models import StaffProfile
from digifys.messaging import calendar, selectors, services
from digifys.messaging.models import MESSAGE_MAX_LENGTH, Message, Update
from digifys.notifications.models import Notification
from digifys.relatives import services as consent_services
from digifys.relatives.models import Scope
from digifys.residents.models import Relative
from digifys.testing.world import give_consent, make_relative, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def login():
    """Like the project's `login`, but each call is a client of its own (two people at once)."""
    from django.test import Client

    from digifys.testing.accounts import complete_second_factor

    def _login(user, *, language: str | None = None):
        client = Client()
        client.force_login(user)
        complete_second_factor(client, user)
        if language:
            client.cookies["django_language"] = language
        return client

    return _login


ALL = ("relative_with_consent", "relative_without", "relative_scoped", "relative_expired")
ALL += ("relative_revoked", "relative_other")


def _pages(resident):
    return [
        reverse("messaging:relative_messages", kwargs={"resident_pk": resident.pk}),
        reverse("messaging:relative_updates", kwargs={"resident_pk": resident.pk}),
    ]


# --- The scope matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ALL)
@pytest.mark.parametrize("which", ["resident_mala", "resident_mala_2", "resident_storuman"])
def test_a_relative_sees_a_page_only_with_the_scope_in_force_for_that_resident(
    world, login, persona, which
):
    resident = getattr(world, which)
    # Who has a consent in force covering updates and messages, for which resident.
    allowed = {
        ("relative_with_consent", "resident_mala"),
        ("relative_scoped", "resident_mala_2"),
        ("relative_other", "resident_storuman"),
    }
    client = login(getattr(world, persona))
    for url in _pages(resident):
        before = AuditEvent.objects.count()
        response = client.get(url)
        if (persona, which) in allowed:
            assert response.status_code == 200, url
            new = AuditEvent.objects.order_by("seq")[before:]
            assert [(e.resident_id, e.action) for e in new] == [(resident.pk, "read")]
        else:
            assert response.status_code == 404, url
            assert AuditEvent.objects.count() == before
            assert resident.given_name not in response.content.decode()


@pytest.mark.parametrize(
    ("scopes", "messages_ok", "updates_ok"),
    [
        ([Scope.MESSAGES], True, False),
        ([Scope.UPDATES], False, True),
        ([Scope.CARE_TEAM, Scope.MEETINGS, Scope.CONDITION, Scope.ACCESS_LOG], False, False),
    ],
)
def test_each_page_needs_its_own_scope(world, login, scopes, messages_ok, updates_ok):
    relative = make_relative(world.resident_mala, "olle.relative", "Olle", "Lind", "child")
    give_consent(relative, world.nurse_mala, scopes)
    client = login(relative.user)
    messages_url, updates_url = _pages(world.resident_mala)
    assert client.get(messages_url).status_code == (200 if messages_ok else 404)
    assert client.get(updates_url).status_code == (200 if updates_ok else 404)
    response = client.get(reverse("relatives:home"))
    assert (f'href="{messages_url}"' in response.content.decode()) == messages_ok
    assert (f'href="{updates_url}"' in response.content.decode()) == updates_ok
    if not messages_ok:
        with pytest.raises(PermissionDenied):
            services.send_message(actor=relative.user, resident_id=world.resident_mala.pk, text="x")


def test_revoked_mid_session_the_next_request_shows_nothing(world, login):
    client = login(world.relative_with_consent)
    url = _pages(world.resident_mala)[0]
    services.send_message(
        actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Hej!"
    )
    assert "Hej!" in client.get(url).content.decode()
    relative = Relative.objects.get(user=world.relative_with_consent)
    consent_services.revoke_consent(actor=world.nurse_mala, relative=relative, reason="Asked.")
    response = client.get(url)
    assert response.status_code == 404
    assert "Hej!" not in response.content.decode()
    response = client.post(url, {"text": "Hallå?"})
    assert response.status_code == 404
    assert Message.objects.count() == 1
    assert client.get(_pages(world.resident_mala)[1]).status_code == 404


def test_a_relative_sees_only_their_own_messages(world, login):
    other = make_relative(world.resident_mala, "olle.relative", "Olle", "Lind", "child")
    give_consent(other, world.nurse_mala, [Scope.MESSAGES])
    services.send_message(actor=other.user, resident_id=world.resident_mala.pk, text="Från Olle")
    services.send_message(
        actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Från Gustav"
    )
    html = login(world.relative_with_consent).get(_pages(world.resident_mala)[0]).content.decode()
    assert "Från Gustav" in html and "Från Olle" not in html


# --- Messages ---------------------------------------------------------------------------------


def test_bad_input_keeps_the_text_and_says_why(world, login):
    client = login(world.relative_with_consent, language="en")
    url = _pages(world.resident_mala)[0]
    response = client.post(url, {"text": "   "})
    assert response.status_code == 400
    assert "Write your message first." in response.content.decode()
    long_text = "Ett långt meddelande. " * 200
    assert len(long_text) > MESSAGE_MAX_LENGTH
    response = client.post(url, {"text": long_text})
    assert response.status_code == 400
    html = response.content.decode()
    assert f"At most {MESSAGE_MAX_LENGTH} characters, please." in html
    assert long_text.strip()[:200] in html  # what was typed is still in the box
    assert Message.objects.count() == 0


def test_a_message_goes_to_the_unit_read_answered_and_the_relative_sees_it(world, login):
    world.unit_mala.phone = "+46953123456"
    world.unit_mala.save()
    relative = login(world.relative_with_consent, language="en")
    url = _pages(world.resident_mala)[0]
    page = relative.get(url).content.decode()
    assert "Not for emergencies." in page and "112" in page and "tel:+46-953-12-34-56" in page
    response = relative.post(url, {"text": "Hur har mamma det?"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.unit, message.resident) == (world.unit_mala, world.resident_mala)
    assert "Sent, not read yet" in relative.get(url).content.decode()

    # The unit's nurses are told, without the resident's name or the text.
    note = Notification.objects.get(kind=Notification.Kind.RELATIVE_MESSAGE)
    assert note.recipient == world.nurse_mala
    assert "Greta" not in note.text and "Lind" not in note.text and "mamma" not in note.text
    assert not Notification.objects.filter(recipient=world.nurse_storuman).exists()

    # The worklist shows the unread badge, per row and for the page.
    nurse = login(world.nurse_mala, language="en")
    worklist = nurse.get(reverse("worklist:unit", kwargs={"unit_pk": world.unit_mala.pk}))
    html = worklist.content.decode()
    assert "1 unread message from relatives" in html
    assert html.count("unread-badge") == 1
    hub = nurse.get(reverse("residents:detail", kwargs={"pk": world.resident_mala.pk}))
    assert "1 unread" in hub.content.decode()

    # Opening it marks it read; the relative sees "read".
    nurse.get(reverse("messaging:message", kwargs={"pk": message.pk}))
    message.refresh_from_db()
    assert message.read_by == world.nurse_mala
    assert "Read by the unit" in relative.get(url).content.decode()
    html = nurse.get(reverse("worklist:unit", kwargs={"unit_pk": world.unit_mala.pk}))
    assert "unread-badge" not in html.content.decode()

    # Answering: empty keeps the page, then the relative is notified and sees the answer.
    answer_url = reverse("messaging:message", kwargs={"pk": message.pk})
    assert nurse.post(answer_url, {"answer": ""}).status_code == 400
    assert nurse.post(answer_url, {"answer": "Hon har det bra."}).status_code == 302
    page = relative.get(url).content.decode()
    assert "Answered" in page and "Hon har det bra." in page
    note = Notification.objects.get(kind=Notification.Kind.MESSAGE_ANSWERED)
    assert note.recipient == world.relative_with_consent
    assert note.text == "Ditt meddelande till Malåhemmet har besvarats"  # the reader's language
    with pytest.raises(ValidationError):
        services.answer_message(actor=world.nurse_mala, message=message, text="Igen")


def test_a_nurse_hands_a_message_to_the_physician_who_answers(world, login):
    message = services.send_message(
        actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Till läkaren"
    )
    carmen = StaffProfile.objects.get(user=world.physician_spain)
    david = StaffProfile.objects.get(user=world.other_physician)
    nurse = login(world.nurse_mala)
    hand_url = reverse("messaging:hand_over", kwargs={"pk": message.pk})
    # Only the resident's own physicians can be chosen.
    assert nurse.post(hand_url, {"physician": david.pk}).status_code == 400
    assert nurse.post(hand_url, {"physician": carmen.pk}).status_code == 302
    message.refresh_from_db()
    assert message.handed_to == carmen
    assert Notification.objects.filter(
        recipient=world.physician_spain, code="relative_message_handed"
    ).exists()
    doctor = login(world.physician_spain)
    assert "Till läkaren" in doctor.get(reverse("messaging:inbox")).content.decode()
    assert list(selectors.inbox(world.other_physician)) == []
    response = doctor.post(
        reverse("messaging:message", kwargs={"pk": message.pk}), {"answer": "Jag ringer dig."}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.answered_by == world.physician_spain


def test_staff_who_do_not_see_the_resident_cannot_read_or_answer(world):
    message = services.send_message(
        actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Hej"
    )
    assert selectors.staff_message(world.nurse_storuman, message.pk) is None
    with pytest.raises(PermissionDenied):
        services.answer_message(actor=world.nurse_storuman, message=message, text="Nej")
    with pytest.raises(PermissionDenied):
        services.answer_message(actor=world.administrator, message=message, text="Nej")


# --- Updates ----------------------------------------------------------------------------------


def test_an_assistant_nurse_writes_and_a_nurse_approves_before_relatives_see_it(world, login):
    assistant = make_staff(
        "ulla.assistant", Role.ASSISTANT_NURSE, world.unit_mala.parent, units=[world.unit_mala]
    ).user
    with pytest.raises(ValidationError):
        services.write_update(
            actor=assistant, resident=world.resident_mala, text="Promenad", publish=True
        )
    client = login(assistant)
    write_url = reverse("messaging:write_update", kwargs={"pk": world.resident_mala.pk})
    assert "Approve and publish" not in client.get(write_url).content.decode()
    assert client.post(write_url, {"text": "", "draft": "1"}).status_code == 400
    response = client.post(write_url, {"text": "Greta promenerade i dag.", "draft": "1"})
    assert response.status_code == 302
    update = Update.objects.get()
    assert not update.is_published
    approve_url = reverse("messaging:approve_update", kwargs={"pk": update.pk})
    assert client.get(approve_url).status_code == 403
    assert (
        client.post(reverse("messaging:approve_update", kwargs={"pk": update.pk})).status_code
        == 403
    )
    relative = login(world.relative_with_consent)
    updates_url = _pages(world.resident_mala)[1]
    assert "promenerade" not in relative.get(updates_url).content.decode()
    assert not Notification.objects.filter(kind=Notification.Kind.RELATIVE_UPDATE).exists()

    nurse = login(world.nurse_mala)
    assert "promenerade" in nurse.get(reverse("messaging:inbox")).content.decode()
    nurse.post(reverse("messaging:approve_update", kwargs={"pk": update.pk}))
    update.refresh_from_db()
    assert update.is_published and update.approved_by == world.nurse_mala
    assert "promenerade" in relative.get(updates_url).content.decode()
    notified = set(
        Notification.objects.filter(kind=Notification.Kind.RELATIVE_UPDATE).values_list(
            "recipient__username", flat=True
        )
    )
    # Only relatives of this resident whose consent in force covers updates.
    assert notified == {"gustav.relative"}
    note = Notification.objects.get(kind=Notification.Kind.RELATIVE_UPDATE)
    assert "Greta" not in note.text and "promenerade" not in note.text
    with pytest.raises(ValidationError):
        services.approve_update(actor=world.physician_spain, update=update)


def test_a_licensed_writer_may_publish_at_once(world, login):
    client = login(world.physician_spain)
    url = reverse("messaging:write_update", kwargs={"pk": world.resident_mala.pk})
    assert client.post(url, {"text": "Allt är lugnt.", "publish": "1"}).status_code == 302
    update = Update.objects.get()
    assert update.is_published and update.approved_by == world.physician_spain
    assert Notification.objects.filter(recipient=world.relative_with_consent).exists()
    # The expired and revoked relatives of the same resident get nothing.
    assert not Notification.objects.filter(
        recipient__in=[world.relative_expired, world.relative_revoked]
    ).exists()


# --- Deadline and escalation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "deadline"),
    [
        # Monday 10:00 → Wednesday 10:00.
        (datetime.datetime(2026, 11, 2, 10), datetime.datetime(2026, 11, 4, 10)),
        # Friday → Tuesday (the weekend is not counted).
        (datetime.datetime(2026, 11, 6, 15), datetime.datetime(2026, 11, 10, 15)),
        # Thursday before Midsummer: Midsommarafton is a day off → Tuesday.
        (datetime.datetime(2026, 6, 18, 9), datetime.datetime(2026, 6, 23, 9)),
        # Saturday: Monday and Tuesday are the two working days.
        (datetime.datetime(2026, 11, 7, 11), datetime.datetime(2026, 11, 10, 11)),
        # 23 December: Julafton, Juldagen, Annandag jul off → 28 and 29 December.
        (datetime.datetime(2026, 12, 23, 8), datetime.datetime(2026, 12, 29, 8)),
    ],
)
def test_the_deadline_counts_working_days_in_the_units_calendar(world, sent, deadline):
    from digifys.core.time import STOCKHOLM

    result = calendar.answer_deadline(world.unit_mala, sent.replace(tzinfo=STOCKHOLM))
    assert result == deadline.replace(tzinfo=STOCKHOLM)


def test_the_number_of_working_days_is_a_setting(world, settings):
    from digifys.core.time import STOCKHOLM

    settings.RELATIVE_MESSAGE_ANSWER_WORKING_DAYS = 1
    sent = datetime.datetime(2026, 11, 6, 15, tzinfo=STOCKHOLM)
    assert calendar.answer_deadline(world.unit_mala, sent) == datetime.datetime(
        2026, 11, 9, 15, tzinfo=STOCKHOLM
    )


MONDAY_10 = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)  # 10:00 in Stockholm


@pytest.mark.django_db(transaction=True)
def test_a_slipped_message_is_escalated_to_the_coordinator_once_by_the_worker(
    transactional_db,
):
    from digifys.testing.world import build_world

    world = build_world()
    with time_machine.travel(MONDAY_10, tick=False):
        message = services.send_message(
            actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Hej"
        )
        assert message.deadline_at == MONDAY_10 + datetime.timedelta(days=2)
        call_command("db_worker", batch=True, verbosity=0)
        assert not Notification.objects.filter(kind=Notification.Kind.MESSAGE_ESCALATED).exists()
    with time_machine.travel(MONDAY_10 + datetime.timedelta(days=2, minutes=1), tick=False):
        call_command("db_worker", batch=True, verbosity=0)
        message.refresh_from_db()
        assert message.escalated_at is not None
        escalated = Notification.objects.filter(kind=Notification.Kind.MESSAGE_ESCALATED)
        assert [n.recipient for n in escalated] == [world.coordinator]
        assert "Greta" not in escalated[0].text
        # The safety-net sweep and a second check change nothing: once only.
        assert services.escalate_overdue() == 0
        assert services.escalate_if_overdue(message_id=message.pk) is False
        call_command("db_worker", batch=True, verbosity=0)
        assert escalated.count() == 1


def test_an_answered_message_is_not_escalated(world):
    message = services.send_message(
        actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Hej"
    )
    services.answer_message(actor=world.nurse_mala, message=message, text="Svar")
    later = timezone.now() + datetime.timedelta(days=10)
    assert services.escalate_if_overdue(message_id=message.pk, now=later) is False
    assert services.escalate_overdue(now=later) == 0


def test_the_unread_count_follows_the_staff_policy(world):
    services.send_message(
        actor=world.relative_with_consent, resident_id=world.resident_mala.pk, text="Hej"
    )
    from digifys.worklist.selectors import unit_worklist

    rows = unit_worklist(unit=world.unit_mala, user=world.nurse_mala).rows
    assert {row.resident.pk: row.unread_messages for row in rows} == {
        world.resident_mala.pk: 1,
        world.resident_mala_2.pk: 0,
    }
