"""The physician's inbox: by deadline, NEWS2 and trend, both time zones, the panel team, live."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.consults import services
from digifys.testing.world import assign, make_resident

from .builders import record_vitals, send

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # 10:00 in Stockholm
INBOX = reverse("consults:inbox")
ROWS = reverse("consults:inbox_rows")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _more_residents(world, count: int) -> list:
    residents = []
    for i in range(count):
        resident = make_resident(world.unit_mala, room=f"1{i}", given_name="Extra")
        assign(resident, world.physician_spain.staff_profile)
        residents.append(resident)
    return residents


def test_consults_are_listed_by_deadline(world, login):
    send(world, urgency="same_day", situation="Dagens")
    send(world, resident=world.resident_mala_2, urgency="emergency")
    send(world, urgency="urgent")

    html = login(world.physician_spain, language="en").get(INBOX).content.decode()

    emergency = html.index("Emergency – call 112")
    urgent = html.index("Urgent – within 30 minutes")
    same_day = html.index("Same day")
    assert emergency < urgent < same_day
    assert "Helge Nord" in html and "Greta Lind" in html


def test_the_inbox_shows_news2_with_its_trend(world, login):
    record_vitals(
        world,
        respiratory_rate=16,
        temperature="36.8",
        measured_at=NOW - datetime.timedelta(hours=1),
    )  # NEWS2 3
    send(world, observation=record_vitals(world))  # NEWS2 6

    html = login(world.physician_spain, language="en").get(INBOX).content.decode()

    assert "NEWS2 6" in html
    assert "consult-news2-medium" in html
    assert "↑" in html and "rising" in html


def test_the_trend_falls_when_the_score_improves(world, login):
    record_vitals(world, measured_at=NOW - datetime.timedelta(hours=2))
    record_vitals(world, respiratory_rate=16, temperature="36.8")
    send(world)

    html = login(world.physician_spain, language="en").get(INBOX).content.decode()

    assert "↓" in html and "falling" in html


def test_time_left_is_shown_and_an_overdue_consult_is_highlighted(world, login, _clock):
    send(world, urgency="urgent")
    send(world, resident=world.resident_mala_2, urgency="same_day")

    _clock.shift(datetime.timedelta(minutes=45))
    html = login(world.physician_spain, language="en").get(INBOX).content.decode()

    assert html.count("consult-row-overdue") == 1
    assert "overdue by 15\xa0minutes" in html
    assert "7\xa0hours, 15\xa0minutes" in html  # the same-day consult's time left


def test_deadlines_are_shown_in_stockholm_time_and_the_physicians_own_time(world, login):
    profile = world.physician_spain.staff_profile
    profile.time_zone = "Atlantic/Canary"
    profile.save()
    send(world, urgency="urgent")

    html = login(world.physician_spain, language="en").get(INBOX).content.decode()

    assert "2026-03-02 10:30" in html  # Stockholm
    assert "2026-03-02 09:30" in html  # Canary Islands


def test_the_panel_team_sees_consults_about_their_residents_held_by_others(world, login):
    consult = send(world)
    services.hand_over(
        actor=world.physician_spain,
        consult=consult,
        to=world.other_physician.staff_profile,
        reason="Semester.",
    )

    mine = login(world.physician_spain, language="en").get(INBOX).content.decode()
    theirs = login(world.other_physician, language="en").get(INBOX).content.decode()

    team_section = mine[mine.index('id="h-team"') :]
    my_section = mine[mine.index('id="h-mine"') : mine.index('id="h-team"')]
    assert "Greta Lind" in team_section
    assert "David Doctor" in team_section
    assert "Greta Lind" not in my_section
    assert "Greta Lind" in theirs[theirs.index('id="h-mine"') : theirs.index('id="h-team"')]


def test_closed_consults_leave_the_inbox(world, login):
    consult = send(world)
    services.close_consult(actor=world.nurse_mala, consult=consult, reason="Löst.")

    html = login(world.physician_spain, language="en").get(INBOX).content.decode()

    assert "Greta Lind" not in html
    assert "No consults are waiting for you." in html


def test_an_empty_inbox_says_so(world, login):
    html = login(world.other_physician, language="en").get(INBOX).content.decode()
    assert "No consults are waiting for you." in html
    assert 'data-live-socket="/ws/inbox/"' in html
    assert f'hx-get="{ROWS}"' in html
    assert 'hx-trigger="live-update"' in html


def test_only_physicians_have_an_inbox(world, login):
    assert login(world.nurse_mala).get(INBOX).status_code == 403
    assert login(world.coordinator).get(ROWS).status_code == 403


def test_the_live_rows_log_one_read_per_resident_shown(world, login):
    send(world)
    send(world)  # a second consult about the same resident
    send(world, resident=world.resident_mala_2)
    client = login(world.physician_spain, language="en")
    before = AuditEvent.objects.count()

    response = client.get(ROWS, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.count("Greta Lind") == 2
    assert 'id="inbox-announcer" hx-swap-oob="innerHTML"' in html
    reads = sorted(
        e.resident_id for e in AuditEvent.objects.order_by("seq")[before:] if e.action == "read"
    )
    assert reads == sorted([world.resident_mala.pk, world.resident_mala_2.pk])


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_inbox_rows_take_a_constant_number_of_queries(
    world, login, django_assert_max_num_queries
):
    client = login(world.physician_spain)
    for resident in _more_residents(world, 2):
        record_vitals(world, resident=resident, measured_at=NOW - datetime.timedelta(hours=1))
        record_vitals(world, resident=resident)
        send(world, resident=resident, observation=None)
    few = _count_queries(client, ROWS)

    for resident in _more_residents(world, 12):
        for hours in (3, 2, 1):
            record_vitals(
                world, resident=resident, measured_at=NOW - datetime.timedelta(hours=hours)
            )
        send(world, resident=resident, urgency="same_day")
        consult = send(world, resident=resident)
        services.hand_over(
            actor=world.physician_spain,
            consult=consult,
            to=world.other_physician.staff_profile,
            reason="Semester.",
        )
    many = _count_queries(client, ROWS)

    assert many == few
    with django_assert_max_num_queries(20):
        html = client.get(INBOX).content.decode()
    assert html.count("consults/") >= 26


def test_unanswered_consults_come_first_by_deadline_and_answered_ones_apart(world, login):
    """Issue 12 §4 item 3: an answered consult never sits above an unanswered urgent one."""
    answered = send(world, urgency="emergency", situation="Redan besvarad")
    services.post_message(actor=world.physician_spain, consult=answered, body="Ring 112.")
    send(world, resident=world.resident_mala_2, urgency="same_day")
    send(world, urgency="urgent")

    html = login(world.physician_spain, language="en").get(INBOX).content.decode()

    waiting = html[html.index('id="h-mine"') : html.index('id="h-answered"')]
    apart = html[html.index('id="h-answered"') :]
    assert "Emergency – call 112" not in waiting
    assert waiting.index("Urgent – within 30 minutes") < waiting.index("Same day")
    assert "Emergency – call 112" in apart
    assert "Answered, not yet closed" in apart
