"""Routing a consult (named → deputy → on duty) and escalating it when its deadline slips.

The clock is controlled with time_machine; escalation runs through the real django-tasks
database worker, as in the demo.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from digifys.accounts.models import Role
from digifys.consults import routing, services
from digifys.consults.models import Consult
from digifys.notifications.models import Notification
from digifys.testing.world import assign, give_hours, make_staff

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A Wednesday in November, 10:00 in Stockholm and Madrid.
WEDNESDAY_10 = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=STOCKHOLM)
DAY = (datetime.time(8, 0), datetime.time(17, 0))


@pytest.fixture
def team(world):
    """The named physician and a deputy work days; an on-duty clinic physician covers 24/7."""
    named = world.physician_spain.staff_profile
    deputy = world.other_physician.staff_profile
    assign(world.resident_mala, deputy, role="deputy")
    on_duty = make_staff(
        "olga.onduty",
        Role.PHYSICIAN,
        world.clinic,
        time_zone="Europe/Madrid",
        work_country="ES",
        work_subdivision="AN",
    )
    give_hours(named, *DAY, weekdays=range(5), works_on_holidays=False)
    give_hours(deputy, *DAY, weekdays=range(5), works_on_holidays=False)
    give_hours(on_duty, datetime.time(0, 0), datetime.time(0, 0), on_call=True)
    return named, deputy, on_duty


def _send(world, urgency="urgent"):
    return services.send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency=urgency,
        situation="Greta är tröttare och andas snabbare sedan i morse.",
        background="Hjärtsvikt, KOL.",
        assessment="NEWS2 6: AF 22, SpO2 95, puls 95, temp 38,3.",
        recommendation="Bedömning inom 30 minuter.",
    )


def test_a_consult_goes_to_the_named_physician_when_on_duty(world, team):
    named, _deputy, _on_duty = team
    with time_machine.travel(WEDNESDAY_10, tick=False):
        consult = _send(world)
    assert consult.assigned_to == named
    assert consult.routed_to == Consult.RoutedTo.NAMED
    assert consult.deadline_at == WEDNESDAY_10 + datetime.timedelta(minutes=30)
    assert Notification.objects.filter(recipient=named.user, kind="consult_new").count() == 1


def test_the_deputy_takes_it_when_the_named_physician_is_off(world, team):
    named, deputy, _on_duty = team
    from digifys.scheduling.models import Absence

    Absence.objects.create(
        staff=named, kind="vacation", starts_on=WEDNESDAY_10.date(), ends_on=WEDNESDAY_10.date()
    )
    with time_machine.travel(WEDNESDAY_10, tick=False):
        consult = _send(world)
    assert (consult.assigned_to, consult.routed_to) == (deputy, Consult.RoutedTo.DEPUTY)


def test_at_night_the_on_duty_physician_of_the_virtual_clinic_takes_it(world, team):
    _named, _deputy, on_duty = team
    night = datetime.datetime(2026, 11, 25, 2, 30, tzinfo=STOCKHOLM)
    with time_machine.travel(night, tick=False):
        consult = _send(world)
    assert (consult.assigned_to, consult.routed_to) == (on_duty, Consult.RoutedTo.ON_DUTY)


def test_the_named_physicians_own_time_zone_decides_whether_they_are_on_duty(world, team):
    named, _deputy, _on_duty = team
    # On Gran Canaria 08:00 local is 09:00 in Stockholm: at 08:30 Stockholm they are not working.
    named.time_zone = "Atlantic/Canary"
    named.save()
    with time_machine.travel(datetime.datetime(2026, 11, 25, 8, 30, tzinfo=STOCKHOLM), tick=False):
        assert routing.route(world.resident_mala).physician != named
    with time_machine.travel(datetime.datetime(2026, 11, 25, 9, 0, tzinfo=STOCKHOLM), tick=False):
        assert routing.route(world.resident_mala).physician == named


def test_with_nobody_on_duty_the_consult_still_gets_an_owner(world):
    # No working patterns at all: it goes to the named physician, flagged.
    consult = _send(world)
    assert consult.assigned_to == world.physician_spain.staff_profile
    assert consult.routed_to == Consult.RoutedTo.NOBODY_ON_DUTY


def test_the_on_duty_physician_sees_the_resident_only_while_the_consult_is_open(world, team):
    from digifys.residents.models import Resident

    night = datetime.datetime(2026, 11, 25, 2, 30, tzinfo=STOCKHOLM)
    _named, _deputy, on_duty = team
    assert not Resident.objects.visible_to(on_duty.user).filter(pk=world.resident_mala.pk).exists()
    with time_machine.travel(night, tick=False):
        consult = _send(world)
    assert Resident.objects.visible_to(on_duty.user).filter(pk=world.resident_mala.pk).exists()
    closed_at = night + datetime.timedelta(hours=1)
    with time_machine.travel(closed_at, tick=False):
        services.close_consult(actor=world.nurse_mala, consult=consult, reason="Bättre nu.")
    # Closed: a follow-up period (CONSULT_FOLLOW_UP_DAYS), then nothing (issue #20).
    follow_up = datetime.timedelta(days=settings.CONSULT_FOLLOW_UP_DAYS)
    with time_machine.travel(closed_at + follow_up - datetime.timedelta(minutes=1), tick=False):
        assert Resident.objects.visible_to(on_duty.user).filter(pk=world.resident_mala.pk).exists()
    with time_machine.travel(closed_at + follow_up + datetime.timedelta(minutes=1), tick=False):
        assert (
            not Resident.objects.visible_to(on_duty.user).filter(pk=world.resident_mala.pk).exists()
        )


@pytest.mark.django_db(transaction=True)
def test_a_missed_deadline_escalates_to_the_next_in_line_through_the_worker(team_tx):
    world, (named, deputy, on_duty) = team_tx
    with time_machine.travel(WEDNESDAY_10, tick=False):
        consult = _send(world)  # committed: the deadline check is enqueued for 10:30
        call_command("db_worker", batch=True, verbosity=0)
        consult.refresh_from_db()
        assert consult.assigned_to == named and consult.escalation_count == 0
    with time_machine.travel(WEDNESDAY_10 + datetime.timedelta(minutes=31), tick=False):
        call_command("db_worker", batch=True, verbosity=0)
        consult.refresh_from_db()
        assert consult.assigned_to == deputy
        assert consult.escalation_count == 1
        assert consult.status == Consult.Status.SENT
        assert consult.deadline_at == WEDNESDAY_10 + datetime.timedelta(minutes=61)
        notified = set(
            Notification.objects.filter(kind="consult_escalated").values_list(
                "recipient__username", flat=True
            )
        )
        assert {deputy.user.username, named.user.username, world.nurse_mala.username} <= notified
        assert consult.messages.filter(kind="event", code="escalated").exists()
    with time_machine.travel(WEDNESDAY_10 + datetime.timedelta(minutes=62), tick=False):
        call_command("db_worker", batch=True, verbosity=0)
        consult.refresh_from_db()
        assert (consult.assigned_to, consult.escalation_count) == (on_duty, 2)


@pytest.fixture
def team_tx(transactional_db):
    from digifys.testing.world import build_world

    world = build_world()
    named = world.physician_spain.staff_profile
    deputy = world.other_physician.staff_profile
    assign(world.resident_mala, deputy, role="deputy")
    on_duty = make_staff("olga.onduty", Role.PHYSICIAN, world.clinic, time_zone="Europe/Madrid")
    give_hours(named, *DAY, weekdays=range(5))
    give_hours(deputy, *DAY, weekdays=range(5))
    give_hours(on_duty, datetime.time(0, 0), datetime.time(0, 0), on_call=True)
    return world, (named, deputy, on_duty)


def test_an_answered_consult_does_not_escalate(world, team):
    named, _deputy, _on_duty = team
    with time_machine.travel(WEDNESDAY_10, tick=False):
        consult = _send(world)
        services.post_message(actor=named.user, consult=consult, body="Ring mig, jag tittar.")
    later = WEDNESDAY_10 + datetime.timedelta(hours=2)
    assert services.escalate_if_overdue(consult_id=consult.pk, now=later) is False
    consult.refresh_from_db()
    assert consult.status == Consult.Status.ANSWERED and consult.assigned_to == named


def test_an_accepted_but_unanswered_consult_still_escalates(world, team):
    named, deputy, _on_duty = team
    with time_machine.travel(WEDNESDAY_10, tick=False):
        consult = _send(world)
        services.accept_consult(actor=named.user, consult=consult)
    with time_machine.travel(WEDNESDAY_10 + datetime.timedelta(minutes=45), tick=False):
        assert services.escalate_overdue() == 1
    consult.refresh_from_db()
    assert consult.assigned_to == deputy and consult.status == Consult.Status.SENT


def test_with_nobody_else_on_duty_the_consult_stays_and_the_unit_is_told(world):
    consult = _send(world)
    later = consult.deadline_at + datetime.timedelta(minutes=1)
    assert services.escalate_if_overdue(consult_id=consult.pk, now=later) is True
    consult.refresh_from_db()
    assert consult.assigned_to == world.physician_spain.staff_profile
    assert consult.escalation_count == 1 and consult.deadline_at > later
    assert Notification.objects.filter(recipient=world.nurse_mala, kind="consult_escalated")
    assert consult.messages.filter(code="escalated_nobody").exists()


def test_no_consult_is_lost_under_repeated_escalation(world, team):
    """Whatever the clock does, every consult ends answered or closed, and is never ownerless."""
    with time_machine.travel(WEDNESDAY_10, tick=False):
        consults = [_send(world, urgency) for urgency in ("emergency", "urgent", "same_day")]
    for hours in range(1, 30):
        services.escalate_overdue(now=WEDNESDAY_10 + datetime.timedelta(hours=hours))
    for consult in consults:
        consult.refresh_from_db()
        assert consult.assigned_to_id is not None
        assert consult.status in Consult.WAITING_STATUSES
        assert consult.deadline_at > WEDNESDAY_10 + datetime.timedelta(hours=29)
    assert Consult.objects.count() == 3


def test_closing_needs_a_reason_and_a_closed_consult_takes_no_more_messages(world):
    consult = _send(world)
    with pytest.raises(ValidationError):
        services.close_consult(actor=world.nurse_mala, consult=consult, reason="  ")
    services.close_consult(actor=world.nurse_mala, consult=consult, reason="Löst på plats.")
    with pytest.raises(ValidationError):
        services.post_message(actor=world.nurse_mala, consult=consult, body="Hallå?")
    assert (
        services.escalate_if_overdue(
            consult_id=consult.pk, now=consult.deadline_at + datetime.timedelta(hours=1)
        )
        is False
    )


def test_an_empty_sbar_is_refused_and_nothing_is_saved(world):
    with pytest.raises(ValidationError) as error:
        services.send_consult(
            actor=world.nurse_mala,
            resident=world.resident_mala,
            urgency="urgent",
            situation="",
            background=" ",
            assessment="",
            recommendation="",
        )
    assert set(error.value.message_dict) == {
        "situation",
        "background",
        "assessment",
        "recommendation",
    }
    assert Consult.objects.count() == 0


def test_a_signed_journal_note_is_read_only_and_amended_by_a_new_note(world):
    consult = _send(world)
    physician = world.physician_spain
    note = services.save_note(
        actor=physician,
        consult=consult,
        aktuellt="Feber och takypné.",
        status="AF 22, SpO2 95.",
        bedomning="Misstänkt pneumoni.",
        atgard="CRP, kontroller var 4:e timme.",
    )
    services.sign_note(actor=physician, note=note)
    with pytest.raises(ValidationError):
        services.sign_note(actor=physician, note=note)
    amendment = services.save_note(
        actor=physician,
        consult=consult,
        aktuellt="",
        status="",
        bedomning="CRP 85: pneumoni.",
        atgard="Antibiotika insatt.",
        amends=note,
    )
    assert amendment.pk != note.pk and amendment.amends == note
    note.refresh_from_db()
    assert note.bedomning == "Misstänkt pneumoni."
