"""The digi-physical loop in the synthetic region: working hours, rota, vital signs, consults."""

import datetime
import statistics
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from digifys.accounts.models import User
from digifys.clinicians.demo import RECRUIT_USERNAMES
from digifys.consults.models import Consult, ConsultMessage, JournalNote
from digifys.consults.routing import on_duty_clinic_physicians
from digifys.directory.models import StaffProfile
from digifys.orders.models import NurseTask, Order
from digifys.residents.models import Resident
from digifys.scheduling.availability import is_working
from digifys.scheduling.models import Absence, WorkingPattern
from digifys.synth import care_history, observations
from digifys.synth.region import STOCKHOLM, default_now, demo_logins, generate_region
from digifys.testing.shared_db import kept_for_tests
from digifys.vitals.models import Observation
from digifys.vitals.news2 import score_news2, score_parameters
from digifys.workforce import location
from digifys.workforce.models import RotaMonth

NOW = datetime.datetime(2026, 11, 27, 0, 0, tzinfo=STOCKHOLM)
UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)

pytestmark = pytest.mark.django_db


def hours(start: datetime.datetime, count: int, step: datetime.timedelta = HOUR):
    start = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return [start + step * n for n in range(count)]


def assert_someone_on_duty(instants) -> Counter:
    """Every instant has an on-duty physician of the virtual clinic; returns who, how often."""
    seen = Counter()
    for at in instants:
        on_duty = on_duty_clinic_physicians(at)
        assert on_duty, f"nobody on duty at {at.astimezone(ZoneInfo('Europe/Madrid'))}"
        assert all(p.employer.kind == "virtual_clinic" for p in on_duty)
        seen.update(p.user.username for p in on_duty)
    return seen


def persona_units() -> set[int]:
    nurse = User.objects.get(username="sjukskoterska.mala").staff_profile
    return set(nurse.units.values_list("pk", flat=True))


@pytest.fixture(scope="class")
def scale(request, django_db_setup, django_db_blocker):
    """The scale of the region of seed 1 at NOW that a class's tests share (an `indirect`
    parameter): generated once for them, rolled back after them (digifys.testing.shared_db)."""
    with kept_for_tests(
        django_db_blocker, lambda: generate_region(seed=1, scale=request.param, now=NOW)
    ):
        yield request.param


class _ThePersonaUnit:
    """Tests of the persona unit at both scales (the classes below)."""

    @pytest.fixture(autouse=True)
    def _the_regions_periods_of_work(self, scale):
        # The root conftest told this process that no period of work exists (an empty
        # database); the shared region holds some, as after generating it in the test.
        location.forget()

    def test_the_persona_unit_has_a_resident_deteriorating_now_without_a_consult(self, scale):
        units = persona_units()
        latest = {}
        for obs in Observation.objects.filter(unit__in=units).order_by("measured_at", "pk"):
            latest[obs.resident_id] = obs
        worse = [obs for obs in latest.values() if obs.news2_band in ("medium", "high")]
        assert len(worse) == 1
        obs = worse[0]
        assert obs.news2_band == "medium"
        assert (
            NOW - datetime.timedelta(minutes=30)
            <= obs.measured_at
            <= NOW - (datetime.timedelta(minutes=10))
        )
        assert obs.resident.status == "active"
        # No consult about it yet (earlier, closed consults of the history may exist).
        assert not Consult.objects.filter(resident=obs.resident).exclude(status="closed").exists()
        assert not Consult.objects.filter(
            resident=obs.resident, created_at__gte=obs.measured_at
        ).exists()
        # Calm before it in the loop's days (the history before them may hold an old NEWS2 event,
        # measured again after care: synth.care_history).
        recent = NOW - datetime.timedelta(days=care_history.RECENT_DAYS - 1)
        earlier = list(
            obs.resident.observations.filter(measured_at__gte=recent).order_by("measured_at")
        )[:-1]
        assert earlier and all(o.news2_total is not None and o.news2_total < 5 for o in earlier)
        assert obs.recorded_by.username == "sjukskoterska.mala"

        nurse = next(login for login in demo_logins() if login.username == "sjukskoterska.mala")
        assert obs.resident.full_name in nurse.detail

    def test_the_persona_unit_has_an_open_sbar_consult_for_lakare_malaga(self, scale):
        consult = Consult.objects.get(status="sent")
        malaga = StaffProfile.objects.get(user__username="lakare.malaga")
        assert consult.unit_id in persona_units()
        assert consult.assigned_to == malaga
        named = consult.resident.physician_assignments.get(role="named", ended_at=None)
        assert named.physician == malaga
        assert consult.routed_to == "named"
        assert consult.urgency == "same_day"
        assert consult.created_by.username == "sjukskoterska.mala"
        assert consult.created_at < NOW < consult.deadline_at
        assert consult.deadline_at - consult.created_at == datetime.timedelta(hours=8)
        for text in (consult.situation, consult.background, consult.assessment):
            assert len(text) > 60
        assert consult.recommendation.startswith("Jag ber om")
        assert "Diagnoser:" in consult.background and "Läkemedel" in consult.background
        assert f"NEWS2 {consult.observation.news2_total}" in consult.assessment
        assert consult.observation.resident_id == consult.resident_id
        events = list(consult.messages.values_list("kind", "code", "params"))
        assert events == [("event", "sent", {"name": malaga.name, "route": "named"})]
        with translation.override("sv"):
            assert consult.messages.get().text == f"Skickad till {malaga.name} (Fast läkarkontakt)."
        assert malaga.user.notifications.filter(kind="consult_new", read_at=None).count() == 1

        physician = next(login for login in demo_logins() if login.username == "lakare.malaga")
        assert physician.detail.endswith("1 consult waiting")


# The tests of the two classes below only read the region of seed 1 at NOW (40 or 450
# residents): it is generated once per class (most of their time) and each test's changes are
# rolled back before the next (digifys.testing.shared_db). Tests that need another region are
# below the classes.
@pytest.mark.xdist_group("synth-test-loop-40")
@pytest.mark.parametrize("scale", [40], indirect=True)
class TestTheRegionOf40Residents(_ThePersonaUnit):
    def test_a_virtual_clinic_physician_is_on_duty_at_every_hour_of_a_week(self, scale):
        rota = WorkingPattern.objects.filter(on_call=True)
        assert rota.exists()
        assert not rota.filter(works_on_holidays=False).exists()
        assert set(rota.values_list("staff__employer__kind", flat=True)) == {"virtual_clinic"}

        seen = assert_someone_on_duty(hours(NOW, 7 * 24))
        assert len(seen) >= 6  # the duty rotates between the clinic's physicians
        # Half hours too, and the minutes either side of the shift changes (08, 17, 00 in Málaga).
        madrid = ZoneInfo("Europe/Madrid")
        changes = []
        for day in range(30, 37):  # Monday 30 November to Sunday 6 December 2026
            for hour in (0, 8, 17):
                local = datetime.datetime(2026, 11, 30, hour, tzinfo=madrid) + datetime.timedelta(
                    days=day - 30
                )
                changes += [local - datetime.timedelta(minutes=1), local, local + HOUR / 2]
        assert_someone_on_duty(changes)

    @pytest.mark.parametrize(
        "start",
        [
            datetime.datetime(2026, 10, 23, tzinfo=UTC),  # summer time ends 25 October 2026
            datetime.datetime(2027, 3, 26, tzinfo=UTC),  # summer time starts 28 March 2027
            datetime.datetime(2026, 12, 23, tzinfo=UTC),  # Christmas: public holidays in Spain
            datetime.datetime(2027, 1, 5, tzinfo=UTC),  # Epiphany (6 January)
        ],
    )
    def test_someone_is_on_duty_across_dst_changes_and_public_holidays(self, start, scale):
        assert_someone_on_duty(hours(start, 4 * 24))

    def test_nobody_on_duty_is_possible_without_the_rota_so_the_check_can_fail(self, scale):
        WorkingPattern.objects.filter(on_call=True, weekday=6).delete()
        RotaMonth.objects.all().delete()  # the dated rota would otherwise decide (issue 15)
        sunday_night = datetime.datetime(2026, 11, 29, 3, tzinfo=ZoneInfo("Europe/Madrid"))
        assert on_duty_clinic_physicians(sunday_night) == []


@pytest.mark.xdist_group("synth-test-loop-450")
@pytest.mark.parametrize("scale", [450], indirect=True)
class TestTheRegionOf450Residents(_ThePersonaUnit):
    def test_every_physician_has_weekday_hours_in_their_own_time_zone(self, scale):
        # The clinician register's recruits (applicants … left) have no working hours yet.
        physicians = StaffProfile.objects.filter(profession="physician").exclude(
            user__username__in=RECRUIT_USERNAMES
        )
        ordinary = defaultdict(list)
        for staff_id, weekday, starts, ends in WorkingPattern.objects.filter(
            on_call=False
        ).values_list("staff_id", "weekday", "starts", "ends"):
            assert (starts, ends) == (datetime.time(8), datetime.time(17))
            ordinary[staff_id].append(weekday)
        days = Counter()
        for staff in physicians:
            weekdays = sorted(ordinary[staff.pk])
            assert set(weekdays) <= {0, 1, 2, 3, 4}, staff
            assert len(weekdays) in (4, 5), staff
            days[len(weekdays)] += 1
        assert days[4] >= 2  # some four-day weeks
        assert days[5] > 3 * days[4]
        assert physicians.filter(is_locum=True, working_patterns__isnull=False).exists()

        # Working in their own time zone: Gran Canaria is an hour behind Málaga and Sweden.
        canary = StaffProfile.objects.get(user__username="lakare.grancanaria")
        malaga = StaffProfile.objects.get(user__username="lakare.malaga")
        tuesday_0830_stockholm = datetime.datetime(2026, 12, 1, 8, 30, tzinfo=STOCKHOLM)
        assert is_working(malaga, tuesday_0830_stockholm, on_call=False)
        assert not is_working(canary, tuesday_0830_stockholm, on_call=False)  # 07:30 on the islands
        assert is_working(canary, tuesday_0830_stockholm + HOUR, on_call=False)

    def test_observations_are_realistic_recent_and_scored_by_news2(self, scale):
        active = set(Resident.objects.active().values_list("pk", flat=True))
        observations = list(Observation.objects.select_related("resident"))
        staff_units = defaultdict(set)
        for user_id, unit_id, home in StaffProfile.objects.filter(
            profession__in=["nurse", "assistant_nurse"]
        ).values_list("user_id", "units", "units__parent"):
            staff_units[user_id].add(unit_id)
            staff_units[user_id].add(home)
        earliest = NOW - datetime.timedelta(days=3)
        per_resident = Counter()
        complete = 0
        # Older sets are the history's NEWS2 events of 5 or more, each measured again after care in
        # the low band (synth.care_history).
        older = [obs for obs in observations if obs.measured_at < earliest]
        events = [obs for obs in older if obs.news2_total >= 5]
        assert events and all(obs.news2_band == "low" for obs in older if obs.news2_total < 5)
        latest = {obs.resident_id: obs for obs in sorted(older, key=lambda obs: obs.measured_at)}
        assert all(obs.news2_band == "low" for obs in latest.values())
        observations = [obs for obs in observations if obs.measured_at >= earliest]
        for obs in observations:
            assert earliest <= obs.measured_at < NOW
            assert obs.measured_at <= obs.recorded_at < NOW
            assert obs.unit_id == obs.resident.unit_id
            assert obs.resident_id in active
            # Recorded by a nurse or assistant nurse of the unit (or of its home).
            assert staff_units[obs.recorded_by_id] & {obs.unit_id, obs.resident.unit.parent_id}
            assert obs.spo2_scale == 1
            per_resident[obs.resident_id] += 1
            if obs.news2_total is None:
                # A partial set is scored per parameter, as the vitals service stores it
                # (#19 item 1).
                partial = score_parameters(
                    respiratory_rate=obs.respiratory_rate,
                    spo2=obs.spo2,
                    spo2_scale=obs.spo2_scale,
                    on_oxygen=obs.on_oxygen,
                    systolic_bp=obs.systolic_bp,
                    pulse=obs.pulse,
                    consciousness=obs.consciousness or None,
                    temperature=None if obs.temperature is None else float(obs.temperature),
                )
                assert obs.news2_subscores == partial.subscores
                assert obs.news2_subscores, "a partial set still scores what was measured"
                assert (obs.news2_band, obs.red_flag) == (partial.band or "", partial.red_flag)
                continue
            complete += 1
            score = score_news2(
                respiratory_rate=obs.respiratory_rate,
                spo2=obs.spo2,
                spo2_scale=obs.spo2_scale,
                on_oxygen=obs.on_oxygen,
                systolic_bp=obs.systolic_bp,
                pulse=obs.pulse,
                consciousness=obs.consciousness,
                temperature=float(obs.temperature),
            )
            assert obs.news2_total == score.total
            assert obs.news2_subscores == score.subscores
            assert obs.news2_band == score.band
            assert obs.red_flag == score.red_flag
            assert obs.diastolic_bp < obs.systolic_bp
        assert set(per_resident) == active
        days = 3
        assert 2 * days <= statistics.mean(per_resident.values()) <= 3 * days
        # A few incomplete sets; frail elderly people mostly score 0–3.
        assert 0.005 <= 1 - complete / len(observations) <= 0.05
        totals = [o.news2_total for o in observations if o.news2_total is not None]
        assert sum(total <= 3 for total in totals) / len(totals) > 0.9
        # About 3 % deteriorate during the last day to medium or high.
        latest = {}
        for obs in sorted(observations, key=lambda o: o.measured_at):
            latest[obs.resident_id] = obs
        worse = [o for o in latest.values() if o.news2_band in ("medium", "high")]
        assert 0.015 <= len(worse) / len(active) <= 0.06
        assert {o.news2_band for o in worse} == {"medium", "high"}
        for obs in worse:
            history = sorted(
                (o for o in observations if o.resident_id == obs.resident_id),
                key=lambda o: o.measured_at,
            )
            first_bad = next(o for o in history if o.news2_band in ("medium", "high"))
            assert first_bad.measured_at > NOW - datetime.timedelta(days=1)
            assert history[0].news2_total is not None and history[0].news2_total <= 4

    def test_the_persona_unit_has_an_answered_consult_with_an_order_and_its_tasks(self, scale):
        consult = Consult.objects.get(status="answered")
        assert consult.unit_id in persona_units()
        assert consult.created_at < consult.accepted_at <= consult.answered_at < NOW
        order = Order.objects.get(consult=consult)
        assert order.instructions == "Kontrollera vitalparametrar var 4:e timme i 1 dygn"
        assert (order.kind, order.every_hours, order.for_days) == ("vitals", 4, 1)
        assert order.ordered_by == consult.assigned_to
        tasks = list(order.tasks.order_by("due_at"))
        assert [t.due_at for t in tasks] == [
            order.first_due_at + 4 * HOUR * n for n in range(len(tasks))
        ]
        assert len(tasks) == 6
        done = [t for t in tasks if t.status == "done"]
        still_open = [t for t in tasks if t.status == "open"]
        assert len(done) >= 2 and still_open
        for task in done:
            assert task.due_at < task.completed_at < NOW
            assert task.observation.resident_id == consult.resident_id
            with translation.override("sv"):
                assert f"NEWS2 {task.observation.news2_total}" in task.result_text
            assert task.completed_by.staff_profile.units.filter(pk=consult.unit_id).exists()
        assert NOW < still_open[0].due_at <= NOW + HOUR  # the next one is due soon
        thread = list(consult.messages.order_by("created_at", "pk"))
        kinds = [m.kind for m in thread]
        assert kinds.count("message") == 1
        with translation.override("sv"):
            assert thread[0].text.startswith("Skickad till")
            assert any(
                m.text.startswith("Ordination:") and "(antal uppgifter: 6)" in m.text
                for m in thread
            )
            assert sum(m.text.startswith("Utförd:") for m in thread) == len(done)
        assert all(m.code for m in thread if m.kind == "event")
        assert consult.updated_at == thread[-1].created_at
        note = JournalNote.objects.get(consult=consult)
        assert note.is_signed and note.author == consult.assigned_to
        assert all((note.aktuellt, note.status, note.bedomning, note.atgard))
        assert NurseTask.objects.filter(order__consult__status="answered").count() == len(tasks)
        assert ConsultMessage.objects.filter(consult__status="answered").count() == len(thread)


# --- other regions ---------------------------------------------------------------------------


def test_absences_lie_ahead_spare_the_personas_and_never_empty_a_rota_slot():
    # Above 21 Málaga physicians, some rota slots have two holders and one of them may be away.
    generate_region(seed=1, scale=2000, history_days=0, now=NOW)
    absences = list(Absence.objects.select_related("staff__user"))
    assert absences
    away = {a.staff.user.username for a in absences}
    assert not away & {"lakare.malaga", "lakare.grancanaria", "lakare.lycksele"}
    assert {a.kind for a in absences} <= {"vacation", "course"}
    assert Counter(a.kind for a in absences)["vacation"] > len(absences) / 2
    assert any(a.staff.is_locum for a in absences)
    today = NOW.date()
    for absence in absences:
        assert today < absence.starts_on <= absence.ends_on <= today + datetime.timedelta(days=60)
    on_call = set(WorkingPattern.objects.filter(on_call=True).values_list("staff_id", flat=True))
    away_on_call = [a for a in absences if a.staff_id in on_call]
    assert away_on_call, "the test needs a rota physician on vacation to mean anything"

    for absence in away_on_call:  # the day they are away, someone else covers every slot
        day = datetime.datetime.combine(absence.starts_on, datetime.time(0), tzinfo=UTC)
        seen = assert_someone_on_duty(hours(day, 24))
        assert absence.staff.user.username not in seen


def test_large_regions_keep_only_the_last_day_of_vital_signs(monkeypatch):
    monkeypatch.setattr(observations, "LARGE_SCALE", 30)
    generate_region(seed=1, scale=40, now=NOW)
    measured = list(Observation.objects.values_list("measured_at", flat=True))
    assert measured
    assert min(measured) >= NOW - datetime.timedelta(days=1)


def test_the_demo_starts_live_at_the_current_minute():
    with time_machine.travel(
        datetime.datetime(2026, 11, 27, 14, 37, 12, tzinfo=STOCKHOLM), tick=False
    ):
        now = default_now()
        assert now == datetime.datetime(2026, 11, 27, 14, 37, tzinfo=STOCKHOLM)
        generate_region(seed=1, scale=40)
        consult = Consult.objects.get(status="sent")
        assert consult.created_at < timezone.now() < consult.deadline_at
        worse = Observation.objects.get(
            unit__in=persona_units(),
            news2_band="medium",
            measured_at__gte=now - datetime.timedelta(days=care_history.RECENT_DAYS - 1),
        )
        assert timezone.now() - worse.measured_at == datetime.timedelta(minutes=20, seconds=12)
