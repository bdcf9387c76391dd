"""The resident page as the hub (issue 12 §1): who, now, actions, the chart and the timeline."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from digifys.audit.models import AuditEvent
from digifys.careteams.models import PhysicianAssignment
from digifys.consults import services as consults
from digifys.consults.models import Consult
from digifys.orders import services as orders
from digifys.residents import hub
from digifys.residents.models import TreatmentLimitation
from digifys.rounds.models import AgendaItem
from digifys.rounds.tests.helpers import make_consult, make_round
from digifys.scheduling.models import Booking
from digifys.vitals import services as vitals
from digifys.vitals.models import Observation

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# domain-spec §1.7 vector 1: NEWS2 6 (medium).
WORSE = {
    "respiratory_rate": 22,
    "spo2": 95,
    "on_oxygen": False,
    "systolic_bp": 105,
    "pulse": 95,
    "consciousness": "A",
    "temperature": "38.3",
}
CALM = {**WORSE, "respiratory_rate": 16, "spo2": 97, "systolic_bp": 130, "pulse": 72}
CALM["temperature"] = "36.8"


def observe(world, resident, *, ago: datetime.timedelta, **values):
    observation = vitals.record_observation(
        actor=world.nurse_mala, resident=resident, **(values or CALM)
    )
    Observation.objects.filter(pk=observation.pk).update(measured_at=timezone.now() - ago)
    return observation


def hub_page(client, resident, **query) -> str:
    response = client.get(reverse("residents:detail", args=[resident.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, name: str) -> str:
    start = html.index(f'data-section="{name}"')
    return html[start : html.index("</section>", start)]


def table_rows(html: str) -> list[str]:
    table = section(html, "chart")
    table = table[table.index("<tbody>") : table.index("</tbody>")]
    return re.findall(r'<tr data-observation="(\d+)">', table)


def chart_json(html: str) -> dict:
    match = re.search(r'<script id="hub-chart-data" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1))


@pytest.fixture
def busy_resident(world):
    """Greta with a medium score, an open consult, an open task, a round and a video booking."""
    greta = world.resident_mala
    TreatmentLimitation.objects.create(
        resident=greta,
        unit=greta.unit,
        kind=TreatmentLimitation.Kind.NO_CPR,
        decided_by=world.physician_spain.staff_profile,
    )
    observe(world, greta, ago=2 * HOUR, **WORSE)
    consult = consults.send_consult(
        actor=world.nurse_mala,
        resident=greta,
        urgency="same_day",
        situation="Andas snabbare sedan i morse.",
        background="KOL.",
        assessment="NEWS2 6.",
        recommendation="Bedömning.",
    )
    orders.place_order(
        actor=world.physician_spain,
        resident=greta,
        kind="sample",
        instructions="Ta CRP.",
        consult=consult,
        first_due_at=timezone.now() + HOUR,
    )
    round_ = make_round(world, hours_ahead=20)
    AgendaItem.objects.create(
        round=round_,
        resident=greta,
        unit=greta.unit,
        reason=AgendaItem.Reason.FLAGGED,
        note="Hosta?",
        added_by=world.nurse_mala,
    )
    starts_at = timezone.now() + 3 * DAY
    Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=world.physician_spain.staff_profile,
        resident=greta,
        unit=greta.unit,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        created_by=world.coordinator,
    )
    return {"resident": greta, "consult": consult, "round": round_}


def test_the_nurse_sees_who_now_and_her_actions(world, login, busy_resident):
    greta = busy_resident["resident"]
    html = hub_page(login(world.nurse_mala, language="en"), greta)
    start = html.index('class="hub-who"')
    who = html[start : html.index("</header>", start)]
    assert greta.full_name in who and f"{greta.age()} years" in who
    assert f'<span class="hub-pnr" data-pnr>{greta.display_identity_number}</span>' in who
    assert "Do not resuscitate (no CPR)" in who
    assert "Allergies" in who  # said plainly that there is no allergy register
    now = section(html, "now")
    assert "news2-medium" in now and ">6<" in now and "Medium risk" in now  # the band in words
    assert "SpO2 scale 1" in now
    assert "Overdue by" in now  # medium: hourly on the default table, last set 2 h ago
    assert reverse("consults:detail", args=[busy_resident["consult"].pk]) in now
    assert "Ta CRP" in now or "Take a sample" in now or "CRP" in now
    assert reverse("rounds:detail", args=[busy_resident["round"].pk]) in now
    assert "Video visit" in now  # the next booking
    actions = section(html, "actions")
    assert reverse("vitals:record", args=[greta.pk]) in actions
    assert reverse("consults:new", args=[greta.pk]) in actions
    assert reverse("scheduling:book", args=[greta.pk]) in actions
    flag = reverse("rounds:flag", args=[busy_resident["round"].pk]) + f"?resident={greta.pk}"
    assert flag in actions
    # The sections come in the order: who, now, actions, chart, timeline.
    order = [html.index(f'data-section="{name}"') for name in ("now", "actions", "chart")]
    assert html.index('class="hub-who"') < order[0] and order == sorted(order)
    assert order[-1] < html.index('data-section="timeline"')


def test_the_physician_gets_the_clinical_actions_but_not_the_nurses_round_flag(
    world, login, busy_resident
):
    greta = busy_resident["resident"]
    html = hub_page(login(world.physician_spain, language="en"), greta)
    assert "Medium risk" in section(html, "now")
    actions = section(html, "actions")
    assert 'data-action="vitals"' in actions and 'data-action="sbar"' in actions
    assert 'data-action="book"' in actions
    assert 'data-action="video"' in actions  # her own video booking
    assert 'data-action="flag"' not in actions


def test_the_coordinator_gets_no_clinical_actions_or_data(world, login, busy_resident):
    greta = busy_resident["resident"]
    html = hub_page(login(world.coordinator, language="en"), greta)
    assert greta.display_identity_number in html
    actions = section(html, "actions")
    assert 'data-action="book"' in actions
    for action in ("vitals", "sbar", "video", "flag"):
        assert f'data-action="{action}"' not in actions
    assert 'data-section="chart"' not in html
    assert "Medium risk" not in html and "Andas snabbare" not in html
    assert "No CPR" not in html and "Do not resuscitate" not in html


def test_a_relative_is_sent_to_their_own_page(world, login, busy_resident):
    client = login(world.relative_with_consent, language="en")
    response = client.get(reverse("residents:detail", args=[busy_resident["resident"].pk]))
    assert response.status_code == 302 and response["Location"] == reverse("relatives:home")


@pytest.mark.parametrize(
    ("range_key", "expected"), [("24h", ["2h"]), ("7d", ["2h", "3d"]), ("30d", ["2h", "3d", "20d"])]
)
def test_the_chart_data_and_table_hold_the_observations_of_the_range(
    world, login, range_key, expected
):
    greta = world.resident_mala
    made = {
        "2h": observe(world, greta, ago=2 * HOUR, **WORSE),
        "3d": observe(world, greta, ago=3 * DAY),
        "20d": observe(world, greta, ago=20 * DAY),
        "40d": observe(world, greta, ago=40 * DAY),
    }
    observe(world, world.resident_mala_2, ago=HOUR)  # another resident's: never shown
    html = hub_page(login(world.physician_spain, language="en"), greta, range=range_key)
    wanted = [made[key] for key in expected]  # newest first
    assert table_rows(html) == [str(o.pk) for o in wanted]
    data = chart_json(html)
    assert data["range"] == range_key
    points = data["points"]  # oldest first
    assert [p["t"] for p in points] == [
        Observation.objects.get(pk=o.pk).measured_at.isoformat() for o in reversed(wanted)
    ]
    newest = points[-1]
    assert (newest["rr"], newest["spo2"], newest["sbp"], newest["pulse"]) == (22, 95, 105, 95)
    assert (newest["temp"], newest["acvpu"], newest["news2"], newest["band"]) == (
        38.3,
        "A",
        6,
        "medium",
    )
    assert 'aria-current="true">' in html and f'data-range="{range_key}" aria-current' in html


def test_the_default_range_is_seven_days_and_an_unknown_one_falls_back_to_it(world, login):
    observe(world, world.resident_mala, ago=3 * DAY)
    client = login(world.nurse_mala, language="en")
    assert chart_json(hub_page(client, world.resident_mala))["range"] == "7d"
    assert chart_json(hub_page(client, world.resident_mala, range="1y"))["range"] == "7d"


def test_the_table_behind_the_chart_reads_as_text(world, login):
    observe(world, world.resident_mala, ago=HOUR, **WORSE)
    html = hub_page(login(world.nurse_mala, language="sv"), world.resident_mala)
    table = section(html, "chart")
    table = table[table.index("<details") : table.index("</details>")]
    assert "<caption" in table and '<th scope="col">' in table and '<th scope="row">' in table
    assert "6 – Medelhög risk" in table or "6 – " in table
    assert "38,3 °C" in table  # Swedish decimal comma
    assert "A – Vaken" in table or "A – " in table


def test_a_long_range_keeps_at_most_max_points_and_the_worst_of_each_period(world, login):
    greta = world.resident_mala
    now = timezone.now()
    rows = [
        Observation(
            resident=greta,
            unit=greta.unit,
            recorded_by=world.nurse_mala,
            measured_at=now - datetime.timedelta(minutes=20 * i + 5),
            respiratory_rate=16,
            news2_total=1,
            news2_band="low",
        )
        for i in range(hub.MAX_POINTS * 3)
    ]
    rows[100].news2_total, rows[100].news2_band = 9, "high"
    Observation.objects.bulk_create(rows)
    html = hub_page(login(world.nurse_mala, language="en"), greta, range="30d")
    points = chart_json(html)["points"]
    assert len(points) <= hub.MAX_POINTS
    assert 9 in [p["news2"] for p in points]  # the peak survives the thinning
    assert len(table_rows(html)) == len(points)
    assert f"{len(rows)} sets of vital signs" in html


def test_the_timeline_filters_by_kind_and_pages(world, login):
    greta = world.resident_mala
    for _ in range(23):
        make_consult(world, greta)
    make_round(world, hours_ahead=-30)  # a past round without Greta: not hers
    client = login(world.physician_spain, language="en")
    first = section(hub_page(client, greta), "timeline")
    assert first.count('<li data-kind="consult">') == 20
    assert "Page 1 of 2" in first and "kind=" not in first.split('rel="next"')[0][-80:]
    second = section(hub_page(client, greta, page=2), "timeline")
    assert second.count('<li data-kind="consult">') == 3
    assert second.count('<li data-kind="panel">') == 1  # the named physician's assignment
    only_panel = section(hub_page(client, greta, kind="panel"), "timeline")
    assert re.findall(r'<li data-kind="(\w+)">', only_panel) == ["panel"]
    assert '<option value="panel" selected>' in only_panel
    consults_only = section(hub_page(client, greta, kind="consults", page=2), "timeline")
    assert re.findall(r'<li data-kind="(\w+)">', consults_only) == ["consult"] * 3
    assert "kind=consults&amp;page=1" in consults_only  # the filter is kept when paging


def _timeline_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if '"entry_kind"' in q["sql"]]


def test_the_timeline_reads_a_page_and_its_total_in_one_query(world, login):
    """Issue 12 §3: the page's rows and the count come from one query (a window count), not a
    COUNT of the union and then the page; a short last page and a page past the end still work.
    """
    greta = world.resident_mala
    for _ in range(23):
        make_consult(world, greta)
    client = login(world.physician_spain, language="en")
    hub_page(client, greta)  # warm the session
    pages = {}
    for page in (1, 2, 99, "x"):
        with CaptureQueriesContext(connection) as queries:
            pages[page] = section(hub_page(client, greta, page=page), "timeline")
        reads = _timeline_reads(queries)
        if page == 99:  # past the end: the window is empty, so a count, then the last page
            assert len(reads) == 3, reads
        else:
            assert len(reads) == 1, reads
            assert "COUNT(*) OVER ()" in reads[0]
    assert pages[1].count('<li data-kind="consult">') == 20 and "Page 1 of 2" in pages[1]
    assert pages[2].count('<li data-kind="consult">') == 3 and "Page 2 of 2" in pages[2]
    assert pages[99] == pages[2]  # Paginator.get_page: past the end is the last page
    assert pages["x"] == pages[1]
    # A page number no database integer holds is the last page too, not a server error.
    assert section(hub_page(client, greta, page="9" * 20), "timeline") == pages[2]


def test_the_timeline_reads_its_consults_without_joining_other_tables(world, login):
    """Issue 12 §3: a kind with no related rows to show (consults) is read from its own table.

    `select_related()` without names follows every non-null foreign key (the consult's unit and
    its parent, resident, author, …): a read five times as wide that the page never used.
    """
    greta = world.resident_mala
    make_consult(world, greta)
    client = login(world.physician_spain, language="en")
    hub_page(client, greta, kind="consults")
    with CaptureQueriesContext(connection) as queries:
        html = section(hub_page(client, greta, kind="consults"), "timeline")
    assert '<li data-kind="consult">' in html
    # The page's rows of one kind are read unordered (the merged rows give the order); the
    # "now" section's open consults are ordered by deadline.
    reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "consults_consult"."id"') and "ORDER BY" not in q["sql"]
    ]
    assert len(reads) == 1, reads
    assert " JOIN " not in reads[0], reads[0]


def test_an_empty_timeline_costs_one_query(world, login):
    greta = world.resident_mala
    client = login(world.physician_spain, language="en")
    hub_page(client, greta, kind="reviews")
    with CaptureQueriesContext(connection) as queries:
        html = section(hub_page(client, greta, kind="reviews"), "timeline")
    assert '<li data-kind="review">' not in html
    assert len(_timeline_reads(queries)) == 1


def test_the_timeline_shows_each_kind_newest_first(world, login, busy_resident):
    greta = busy_resident["resident"]
    PhysicianAssignment.objects.filter(resident=greta).update(started_at=timezone.now() - 400 * DAY)
    html = section(hub_page(login(world.physician_spain, language="en"), greta), "timeline")
    kinds = re.findall(r'<li data-kind="(\w+)">', html)
    assert set(kinds) >= {"consult", "order", "panel"}
    assert kinds[-1] == "panel"  # the oldest
    times = re.findall(r'<li data-kind="\w+">\s*<time datetime="([^"]+)"', html)
    assert times == sorted(times, reverse=True)


def test_a_nurse_of_another_unit_sees_nothing(world, login, busy_resident):
    client = login(world.nurse_storuman, language="en")
    response = client.get(reverse("residents:detail", args=[busy_resident["resident"].pk]))
    assert response.status_code == 404


def test_one_view_writes_exactly_one_access_log_entry(world, login, busy_resident):
    greta = busy_resident["resident"]
    client = login(world.nurse_mala, language="en")
    before = AuditEvent.objects.count()
    hub_page(client, greta)
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.resident_id, e.object_type) for e in events] == [
        ("read", greta.pk, "resident")
    ]


def _long_history(world, resident, *, observations: int, consults: int) -> None:
    now = timezone.now()
    Observation.objects.bulk_create(
        Observation(
            resident=resident,
            unit=resident.unit,
            recorded_by=world.nurse_mala,
            measured_at=now - datetime.timedelta(hours=i + 1),
            respiratory_rate=18,
            spo2=96,
            news2_total=i % 8,
            news2_band="low" if i % 8 < 5 else "medium",
            news2_subscores={"respiratory_rate": 0},
        )
        for i in range(observations)
    )
    Consult.objects.bulk_create(
        Consult(
            resident=resident,
            unit=resident.unit,
            created_by=world.nurse_mala,
            urgency="same_day",
            situation=f"Situation {i}",
            background="B",
            assessment="A",
            recommendation="R",
            status="answered" if i % 2 else "closed",
            close_reason="" if i % 2 else "Klar",
            assigned_to=world.physician_spain.staff_profile,
            routed_to="named",
            deadline_at=now - datetime.timedelta(days=i),
            created_at=now - datetime.timedelta(days=i, hours=1),
        )
        for i in range(consults)
    )
    for i in range(3):
        make_round(world, hours_ahead=-24 * (i + 2))


@pytest.mark.parametrize("persona", ["nurse_mala", "physician_spain"])
def test_the_page_costs_a_constant_number_of_queries_however_long_the_history(
    world, login, django_assert_max_num_queries, persona
):
    short, long = world.resident_mala_2, world.resident_mala
    _long_history(world, short, observations=2, consults=1)
    _long_history(world, long, observations=200, consults=50)
    client = login(getattr(world, persona), language="en")
    hub_page(client, short, range="30d")  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        hub_page(client, short, range="30d")
    with django_assert_max_num_queries(45), CaptureQueriesContext(connection) as big:
        html = hub_page(client, long, range="30d")
    # One query per kind on the page at most: a long history's page of consults needs no more
    # than the short history's page of mixed kinds.
    assert len(big) <= len(small)
    assert section(html, "timeline").count("<li data-kind=") == 20


def test_consult_task_round_and_visit_pages_link_back_to_the_hub(world, login, busy_resident):
    from digifys.visits.services import open_room_for_consult

    greta = busy_resident["resident"]
    consult = busy_resident["consult"]
    hub_url = reverse("residents:detail", args=[greta.pk])
    room = open_room_for_consult(actor=world.physician_spain, consult=consult)
    task = consult.orders.get().tasks.first()
    nurse = login(world.nurse_mala, language="en")
    pages = {
        "consult": (nurse, reverse("consults:detail", args=[consult.pk])),
        "task": (nurse, reverse("orders:complete", args=[task.pk])),
        "round": (nurse, reverse("rounds:detail", args=[busy_resident["round"].pk])),
        "visit": (nurse, reverse("visits:room", args=[room.pk])),
    }
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert f'href="{hub_url}"' in response.content.decode(), name


def test_the_page_reads_the_blocks_once(world, login, busy_resident):
    """The policy resolves the active blocks once per request; the page's "blocked units" notice
    uses that answer instead of asking again (careteams/tests/test_blocks.py shows the notice
    when a block hides something)."""
    client = login(world.physician_spain, language="en")
    hub_page(client, busy_resident["resident"])
    with CaptureQueriesContext(connection) as queries:
        hub_page(client, busy_resident["resident"])
    assert len([q for q in queries if 'FROM "careteams_block"' in q["sql"]]) == 1
