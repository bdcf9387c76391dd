"""The unit worklist: the nurse's start page with NEWS2, trend, due times, consults and tasks."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.consults import services as consults
from digifys.orders import services as orders
from digifys.residents.models import TreatmentLimitation
from digifys.testing.world import assign, make_resident, make_staff
from digifys.vitals import services as vitals
from digifys.vitals.models import Observation
from digifys.worklist import selectors

STOCKHOLM = ZoneInfo("Europe/Stockholm")
T0 = datetime.datetime(2026, 3, 10, 8, 0, tzinfo=STOCKHOLM)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)

# NEWS2 0 (low, 12-hourly) and domain-spec §1.7 vector 1: NEWS2 6 (medium, hourly).
CALM = {
    "respiratory_rate": 16,
    "spo2": 97,
    "on_oxygen": False,
    "systolic_bp": 130,
    "pulse": 72,
    "consciousness": "A",
    "temperature": "36.8",
}
WORSE = {
    "respiratory_rate": 22,
    "spo2": 95,
    "on_oxygen": False,
    "systolic_bp": 105,
    "pulse": 95,
    "consciousness": "A",
    "temperature": "38.3",
}


@pytest.fixture(autouse=True)
def _long_sessions(settings):
    """The clock jumps hours ahead in these tests; keep the login session alive across it."""
    settings.SESSION_COOKIE_AGE = 14 * 24 * 3600


def observe(world, resident, at, **values):
    with time_machine.travel(at, tick=False):
        return vitals.record_observation(actor=world.nurse_mala, resident=resident, **values)


def page(client, unit, **query):
    response = client.get(reverse("worklist:unit", args=[unit.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def row_html(html: str, resident) -> str:
    start = html.index(f'id="resident-{resident.pk}"')
    return html[start : html.index("</tr>", start)]


def test_a_nurse_sees_her_units_residents_with_news2_band_trend_and_due_time(world, login):
    observe(world, world.resident_mala, T0, **CALM)
    observe(world, world.resident_mala, T0 + HOUR, **WORSE)
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + HOUR + 30 * MINUTE, tick=False):
        html = page(client, world.unit_mala)
    greta = row_html(html, world.resident_mala)
    assert "Lind, Greta" in greta
    assert 'class="worklist-news2 worklist-news2-medium"' in greta
    assert '<span class="worklist-news2-total">6</span>' in greta
    assert "Medium" in greta  # band as text, not colour alone
    assert "↑" in greta and "rising from 0" in greta  # arrow plus screen-reader text
    assert "SpO2 scale 1" in greta
    assert "carmen" in greta.lower()  # the named physician
    # Medium → hourly on the default table: due at 10:00, it is 09:30.
    assert "Due in 30 min" in greta
    assert reverse("vitals:record", args=[world.resident_mala.pk]) in greta
    helge = row_html(html, world.resident_mala_2)
    assert "No observations yet – observe now" in helge
    assert "Berg" not in html  # Storuman's resident
    # Ordered by room: Greta (room 1) before Helge (room 2).
    assert html.index("Lind, Greta") < html.index("Nord, Helge")


def test_an_observation_past_the_units_frequency_is_overdue(world, login):
    observe(world, world.resident_mala, T0, **CALM)  # NEWS2 0 → every 12 hours
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + 11 * HOUR, tick=False):
        assert "Due in 1 h 0 min" in row_html(page(client, world.unit_mala), world.resident_mala)
    with time_machine.travel(T0 + 13 * HOUR + 5 * MINUTE, tick=False):
        greta = row_html(page(client, world.unit_mala), world.resident_mala)
    assert "Overdue by 1 h 5 min" in greta
    assert 'class="due overdue"' in greta


def test_the_units_own_escalation_table_sets_the_frequency(world, login):
    vitals.update_escalation_rule(
        actor=world.coordinator,
        unit=world.unit_mala,
        level="zero",
        monitor_every_minutes=120,
        response="Var annan timme.",
    )
    observe(world, world.resident_mala, T0, **CALM)
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + 3 * HOUR, tick=False):
        assert "Overdue by 1 h 0 min" in row_html(
            page(client, world.unit_mala), world.resident_mala
        )


def test_the_units_escalation_table_comes_with_the_unit_in_one_subquery(world, login):
    """Issue 12 §3: the unit's frequencies per level are one JSON value on the unit's query,
    not one subquery per level (five compiled subqueries per request for one small table)."""
    client = login(world.nurse_mala, language="en")
    page(client, world.unit_mala)
    with CaptureQueriesContext(connection) as queries:
        page(client, world.unit_mala)
    reads = [q["sql"] for q in queries if '"vitals_escalationrule"' in q["sql"]]
    assert len(reads) == 1, reads  # with the unit: no query of its own
    assert reads[0].count('FROM "vitals_escalationrule"') == 1, reads[0]


def test_the_due_time_follows_the_last_score_not_an_incomplete_set(world, login):
    observe(world, world.resident_mala, T0, **CALM)
    observe(world, world.resident_mala, T0 + 11 * HOUR, pulse=80)  # partial set: no total
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + 12 * HOUR + 10 * MINUTE, tick=False):
        greta = row_html(page(client, world.unit_mala), world.resident_mala)
    assert "Incomplete" in greta
    assert '<span class="worklist-news2-total">0</span>' in greta
    assert "Overdue by 10 min" in greta


def test_a_resident_with_only_an_incomplete_set_must_be_observed(world, login):
    observe(world, world.resident_mala, T0, pulse=80)
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + HOUR, tick=False):
        greta = row_html(page(client, world.unit_mala), world.resident_mala)
    assert "Incomplete" in greta
    assert "No complete NEWS2 yet – observe now" in greta


def test_open_consults_and_tasks_are_shown_with_deadline_and_due_time(world, login):
    with time_machine.travel(T0, tick=False):
        consult = consults.send_consult(
            actor=world.nurse_mala,
            resident=world.resident_mala,
            urgency="urgent",
            situation="Andas snabbare.",
            background="KOL.",
            assessment="NEWS2 6.",
            recommendation="Bedömning.",
        )
        orders.place_order(
            actor=world.physician_spain,
            resident=world.resident_mala_2,
            kind="vitals",
            instructions="Kontrollera vitalparametrar.",
            first_due_at=T0 + HOUR,
        )
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + 20 * MINUTE, tick=False):
        html = page(client, world.unit_mala)
    greta = row_html(html, world.resident_mala)
    assert reverse("consults:detail", args=[consult.pk]) in greta
    assert "Sent, waiting for a physician" in greta
    assert "answer by" in greta and "08:30" in greta  # 30 minutes for urgent
    helge = row_html(html, world.resident_mala_2)
    assert reverse("orders:tasks") in helge
    assert "Kontrollera vitalparametrar." in helge and "09:00" in helge
    assert "overdue since" not in helge
    with time_machine.travel(T0 + 2 * HOUR, tick=False):
        html = page(client, world.unit_mala)
    assert "deadline passed" in row_html(html, world.resident_mala)
    helge = row_html(html, world.resident_mala_2)
    assert "overdue since" in helge and 'class="overdue"' in helge


def test_needs_attention_shows_only_residents_who_need_something(world, login):
    observe(world, world.resident_mala, T0, **WORSE)  # medium
    observe(world, world.resident_mala_2, T0, **CALM)  # low, on time
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + 10 * MINUTE, tick=False):
        everyone = page(client, world.unit_mala)
        attention = page(client, world.unit_mala, show="attention")
    assert "Lind, Greta" in everyone and "Nord, Helge" in everyone
    assert "Lind, Greta" in attention and "Nord, Helge" not in attention
    assert '<span class="count count-attention">1</span>' in attention
    assert '<span class="count">2</span>' in attention
    # The live region keeps the filter when it re-fetches itself.
    rows_url = reverse("worklist:rows", args=[world.unit_mala.pk])
    assert f'hx-get="{rows_url}?show=attention"' in attention


def test_needs_attention_is_empty_when_all_is_on_time(world, login):
    for resident in (world.resident_mala, world.resident_mala_2):
        observe(world, resident, T0, **CALM)
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + HOUR, tick=False):
        html = page(client, world.unit_mala, show="attention")
    assert "No resident needs attention right now" in html
    assert "Lind, Greta" not in html


def test_the_search_finds_residents_by_name_or_room(world, login):
    client = login(world.nurse_mala, language="en")
    html = page(client, world.unit_mala, q="Nord")
    assert "Nord, Helge" in html and "Lind, Greta" not in html
    html = page(client, world.unit_mala, q="1")
    assert "Lind, Greta" in html and "Nord, Helge" not in html
    assert "No residents match your search" in page(client, world.unit_mala, q="Zzz")


def test_an_active_treatment_limitation_is_marked(world, login):
    TreatmentLimitation.objects.create(
        resident=world.resident_mala,
        kind=TreatmentLimitation.Kind.NO_CPR,
        decided_by=world.physician_spain.staff_profile,
    )
    client = login(world.nurse_mala, language="en")
    html = page(client, world.unit_mala)
    assert "Treatment limitation: Do not resuscitate (no CPR)" in row_html(
        html, world.resident_mala
    )
    assert "Treatment limitation" not in row_html(html, world.resident_mala_2)


def test_a_row_that_just_changed_gets_a_quiet_cue(world, login):
    observe(world, world.resident_mala, T0, **CALM)
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + MINUTE, tick=False):
        greta = row_html(page(client, world.unit_mala), world.resident_mala)
    assert 'class="worklist-row changed"' in greta  # on time, low: no attention
    assert "changed in the last minutes" in greta
    with time_machine.travel(T0 + 3 * MINUTE, tick=False):
        greta = row_html(page(client, world.unit_mala), world.resident_mala)
    assert "changed in the last minutes" not in greta
    assert 'class="worklist-row"' in greta


def test_the_table_updates_itself_live_and_every_minute(world, login):
    client = login(world.nurse_mala)
    html = page(client, world.unit_mala)
    unit = world.unit_mala.pk
    assert f'data-live-socket="/ws/units/{unit}/"' in html
    assert f'hx-get="{reverse("worklist:rows", args=[unit])}"' in html
    assert 'hx-trigger="live-update, every 60s"' in html
    assert 'hx-swap="innerHTML"' in html


def test_the_rows_partial_is_only_the_table(world, login):
    client = login(world.nurse_mala, language="en")
    response = client.get(
        reverse("worklist:rows", args=[world.unit_mala.pk]), {"show": "attention"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "data-live-socket" not in html
    assert "Lind, Greta" in html  # no observations yet: needs attention
    assert 'aria-current="page">Needs attention' in html


def test_the_empty_unit_says_what_to_do(world, login):
    nurse = make_staff(
        "ida.nurse", "nurse", world.unit_storuman.parent, units=[world.unit_storuman]
    )
    world.resident_storuman.status = "moved_out"
    world.resident_storuman.save()
    html = page(login(nurse.user, language="en"), world.unit_storuman)
    assert "No residents live in this unit" in html


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["worklist:unit", "worklist:rows"])
def test_a_nurse_of_another_unit_gets_404(world, login, name):
    client = login(world.nurse_storuman)
    assert client.get(reverse(name, args=[world.unit_mala.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["physician_spain", "coordinator", "relative_with_consent"])
def test_other_roles_are_refused(world, login, persona):
    client = login(world.persona(persona))
    assert client.get(reverse("worklist:unit", args=[world.unit_mala.pk])).status_code == 403
    assert client.get(reverse("worklist:rows", args=[world.unit_mala.pk])).status_code == 403
    assert client.get(reverse("worklist:mine")).status_code == 403


def test_an_assistant_nurse_of_the_unit_sees_the_worklist(world, login):
    helper = make_staff(
        "jonna.assistant", "assistant_nurse", world.unit_mala.parent, units=[world.unit_mala]
    )
    assert "Lind, Greta" in page(login(helper.user), world.unit_mala)


def test_my_worklist_leads_to_the_nurses_unit(world, login):
    response = login(world.nurse_mala).get(reverse("worklist:mine"))
    assert response.url == reverse("worklist:unit", args=[world.unit_mala.pk])


def test_a_nurse_of_several_units_chooses_one(world, login):
    nurse = make_staff(
        "karin.nurse",
        "nurse",
        world.unit_mala.parent,
        units=[world.unit_mala, world.unit_storuman],
    )
    response = login(nurse.user).get(reverse("worklist:mine"))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("worklist:unit", args=[world.unit_mala.pk]) in html
    assert reverse("worklist:unit", args=[world.unit_storuman.pk]) in html


def test_a_nurse_without_a_unit_is_told_to_ask_the_coordinator(world, login):
    nurse = make_staff("lisa.nurse", "nurse", world.unit_mala.parent)
    response = login(nurse.user, language="en").get(reverse("worklist:mine"))
    assert response.status_code == 200
    assert "not assigned to a unit" in response.content.decode()


def test_the_start_page_of_nurses_is_the_worklist(world, login):
    response = login(world.nurse_mala).get(reverse("home"))
    assert response.url == reverse("worklist:mine")


def test_the_start_page_of_physicians_is_the_consult_inbox(world, login):
    response = login(world.physician_spain).get(reverse("home"))
    assert response.url == reverse("consults:inbox")


# --- Access log ---------------------------------------------------------------------------


def test_each_resident_shown_is_logged_once(world, login):
    client = login(world.nurse_mala)
    before = AuditEvent.objects.count()
    page(client, world.unit_mala)
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert sorted(e.resident_id for e in events) == sorted(
        [world.resident_mala.pk, world.resident_mala_2.pk]
    )
    assert {(e.action, e.object_type) for e in events} == {("read", "unit_worklist")}


def test_a_filtered_worklist_logs_only_the_residents_it_shows(world, login):
    observe(world, world.resident_mala_2, T0, **CALM)
    client = login(world.nurse_mala)
    with time_machine.travel(T0 + HOUR, tick=False):
        before = AuditEvent.objects.count()
        client.get(reverse("worklist:rows", args=[world.unit_mala.pk]), {"show": "attention"})
    events = AuditEvent.objects.order_by("seq")[before:]
    assert [e.resident_id for e in events] == [world.resident_mala.pk]


# --- Performance --------------------------------------------------------------------------


def _fill_unit(world, *, residents: int) -> list:
    made = []
    for n in range(residents):
        resident = make_resident(
            world.unit_mala, room=str(10 + n), given_name="Test", family_name=f"R{n}"
        )
        assign(resident, world.physician_spain.staff_profile)
        made.append(resident)
    return made


def _history(world, residents, *, per_resident: int, start: datetime.datetime) -> None:
    """Bulk-load PER_RESIDENT observations for each resident (test data, not a domain action)."""
    rows = []
    for resident in residents:
        for n in range(per_resident):
            at = start + n * 6 * HOUR
            values = CALM if n % 3 else WORSE
            rows.append(
                Observation(
                    resident=resident,
                    unit=world.unit_mala,
                    measured_at=at,
                    recorded_at=at,
                    recorded_by=world.nurse_mala,
                    news2_total=0 if n % 3 else 6,
                    news2_band="low" if n % 3 else "medium",
                    **values,
                )
            )
    Observation.objects.bulk_create(rows)


def test_a_40_resident_worklist_loads_in_constant_queries_however_long_the_history(
    world, login, django_assert_max_num_queries
):
    residents = [*_fill_unit(world, residents=38), world.resident_mala, world.resident_mala_2]
    for resident in residents[:10]:
        consults.send_consult(
            actor=world.nurse_mala,
            resident=resident,
            urgency="same_day",
            situation="S.",
            background="B.",
            assessment="A.",
            recommendation="R.",
        )
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    _history(world, residents, per_resident=2, start=start)
    client = login(world.nurse_mala)
    url = reverse("worklist:unit", args=[world.unit_mala.pk])
    client.get(url)  # warm caches (content types, session) outside the count
    with CaptureQueriesContext(connection) as short:
        assert client.get(url).status_code == 200
    _history(world, residents, per_resident=48, start=start + 30 * HOUR)
    with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as long:
        response = client.get(url)
    assert response.content.decode().count('class="worklist-news2 worklist-news2-') == 40
    assert len(long) == len(short), [q["sql"][:120] for q in long.captured_queries]


def test_the_selector_picks_the_latest_two_scores_and_latest_set(world):
    observe(world, world.resident_mala, T0, **CALM)
    second = observe(world, world.resident_mala, T0 + HOUR, **WORSE)
    third = observe(world, world.resident_mala, T0 + 2 * HOUR, **CALM)
    partial = observe(world, world.resident_mala, T0 + 3 * HOUR, pulse=70)
    worklist = selectors.unit_worklist(
        unit=world.unit_mala, user=world.nurse_mala, now=T0 + 4 * HOUR
    )
    greta = next(row for row in worklist.rows if row.resident == world.resident_mala)
    assert (greta.latest, greta.scored, greta.previous) == (partial, third, second)
    assert greta.trend == "down"
    assert greta.due_at == third.measured_at + 12 * HOUR


def test_a_long_repeating_order_shows_the_next_task_and_a_count(world, login):
    """Issue 12 §4 item 1: one row per resident, not one line per future task."""
    with time_machine.travel(T0, tick=False):
        orders.place_order(
            actor=world.physician_spain,
            resident=world.resident_mala_2,
            kind="vitals",
            instructions="Kontrollera vitalparametrar.",
            first_due_at=T0 + HOUR,
            every_hours=4,
            for_days=30,
        )
    client = login(world.nurse_mala, language="en")
    with time_machine.travel(T0 + 20 * MINUTE, tick=False):
        helge = row_html(page(client, world.unit_mala), world.resident_mala_2)
    assert helge.count("Kontrollera vitalparametrar.") == 1
    assert "09:00" in helge
    assert "179 more open tasks" in helge


def test_a_task_due_now_is_not_overdue_on_the_worklist(world, login):
    """Issue 12 §4 item 4: nothing is overdue at creation."""
    with time_machine.travel(T0, tick=False):
        orders.place_order(
            actor=world.physician_spain,
            resident=world.resident_mala_2,
            kind="vitals",
            instructions="Kontrollera vitalparametrar.",
            first_due_at=T0,
        )
        html = page(login(world.nurse_mala, language="en"), world.unit_mala)
    helge = row_html(html, world.resident_mala_2)
    assert "overdue since" not in helge and 'class="overdue"' not in helge
    assert "overdue task" not in helge


def test_task_counts_are_those_of_the_task_queryset(world):
    """The worklist's one task summary per resident (and the hub's counts) say what
    `NurseTask.objects.open()` and `.late()` say: how many open, how many overdue, and when the
    newest was ordered (issue 12 §3: one subquery instead of three)."""
    from digifys.orders.models import NurseTask
    from digifys.residents import hub

    with time_machine.travel(T0, tick=False):
        order = orders.place_order(
            actor=world.physician_spain,
            resident=world.resident_mala_2,
            kind="vitals",
            instructions="Kontrollera vitalparametrar.",
            first_due_at=T0,
            every_hours=1,
            for_days=1,
        )
    resident = world.resident_mala_2
    for minutes in (0, 61, 150, 24 * 60 + 30):
        now = T0 + minutes * MINUTE
        with time_machine.travel(now, tick=False):
            worklist = selectors.unit_worklist(unit=world.unit_mala, user=world.nurse_mala, now=now)
            (row,) = [r for r in worklist.rows if r.resident == resident]
            state = hub.now_for(
                world.nurse_mala,
                hub.load_resident(world.nurse_mala, resident.pk, resident.__class__.objects),
                clinical=True,
                now=now,
            )
            tasks = NurseTask.objects.filter(resident=resident)
            open_count = tasks.open().count()
            late_count = tasks.late(now=now).count()
        assert open_count > 0
        assert (row.open_task_count, row.overdue_task_count) == (open_count, late_count)
        assert (state.open_task_count, state.overdue_task_count) == (open_count, late_count)
        assert row.latest_order_at == order.created_at
    assert late_count > 1  # the last instant has several overdue tasks
    assert row.limitations == []
