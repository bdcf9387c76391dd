import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from digifys.audit import services
from digifys.audit.models import AuditEvent, LogReview, LogReviewItem
from digifys.testing.world import make_resident

Outcome = LogReviewItem.Outcome
STOCKHOLM = services.STOCKHOLM
MARCH_10 = datetime.date(2026, 3, 10)


def at(hour: int, minute: int = 0, day: datetime.date = MARCH_10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=STOCKHOLM)


def read(user, resident, when, **extra):
    with time_machine.travel(when, tick=False):
        return services.record(
            actor=user, action="read", resident=resident, object_type="resident", **extra
        )


@pytest.fixture
def month(world):
    """A March of access-log entries: one of each kind the rules look for, and ordinary work."""
    w = world
    entries = {
        "emergency": read(w.nurse_storuman, w.resident_mala, at(10), purpose="emergency"),
        "other_municipality": read(w.nurse_storuman, w.resident_mala, at(11)),
        "night": read(w.nurse_mala, w.resident_mala, at(23, 30)),
        "early_morning": read(w.nurse_mala, w.resident_mala_2, at(5, 59)),
        "ordinary": [read(w.nurse_mala, w.resident_mala, at(9, m)) for m in range(30)],
        "outside_period": read(
            w.nurse_storuman, w.resident_mala, at(10, day=MARCH_10.replace(month=4))
        ),
        "no_resident": None,
    }
    with time_machine.travel(at(12), tick=False):
        entries["no_resident"] = services.record(
            actor=w.nurse_storuman, action="read", object_type="resident_list"
        )
    residents = [make_resident(w.unit_mala) for _ in range(4)]
    busy = [
        read(w.physician_spain, r, at(14, i))
        for i, r in enumerate([w.resident_mala, *residents, w.resident_mala])
    ]
    entries["many_residents"] = busy[4]  # the fifth distinct resident of the day
    entries["busy"] = busy
    return entries


def start(world, **kwargs) -> LogReview:
    arguments = {
        "actor": world.coordinator,
        "period_start": datetime.date(2026, 3, 1),
        "period_end": datetime.date(2026, 3, 31),
        "sample_size": 5,
        "seed": 42,
        "many_threshold": 5,
    }
    with time_machine.travel(at(9, day=datetime.date(2026, 4, 20)), tick=False):
        return services.start_review(**(arguments | kwargs))


def reasons_by_seq(review) -> dict[int, list[str]]:
    return {item.event_id: item.reasons for item in review.items.all()}


def test_the_rules_select_emergency_other_municipality_night_and_busy_days(world, month):
    selected = reasons_by_seq(start(world))
    assert selected[month["emergency"].seq] == ["emergency", "other_municipality"]
    assert selected[month["other_municipality"].seq] == ["other_municipality"]
    assert selected[month["night"].seq] == ["night"]
    assert selected[month["early_morning"].seq] == ["night"]
    assert selected[month["many_residents"].seq] == ["many_residents"]
    assert month["outside_period"].seq not in selected
    assert month["no_resident"].seq not in selected


def test_a_random_sample_of_the_other_entries_is_added(world, month):
    selected = reasons_by_seq(start(world))
    sampled = [seq for seq, reasons in selected.items() if reasons == ["random"]]
    assert len(sampled) == 5
    ordinary = {e.seq for e in month["ordinary"]} | {e.seq for e in month["busy"]}
    assert set(sampled) <= ordinary


def test_the_same_seed_draws_the_same_sample(world, month):
    first = start(world)
    drawn = sorted(first.items.values_list("event_id", flat=True))
    LogReviewItem.objects.all().delete()
    again = start(world)
    assert sorted(again.items.values_list("event_id", flat=True)) == drawn
    assert again.seed == first.seed == 42


def test_a_review_without_a_seed_records_the_one_it_drew(world, month):
    review = start(world, seed=None)
    assert isinstance(review.seed, int)


def test_entries_already_reviewed_and_review_work_are_not_selected_again(world, month):
    first = start(world, sample_size=0)
    second = start(world, sample_size=500)
    in_first = set(first.items.values_list("event_id", flat=True))
    in_second = set(second.items.values_list("event_id", flat=True))
    assert not in_first & in_second
    review_work = AuditEvent.objects.filter(purpose="review").values_list("seq", flat=True)
    assert not set(review_work) & (in_first | in_second)


def test_a_period_that_ends_before_it_starts_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        start(world, period_start=datetime.date(2026, 3, 31), period_end=datetime.date(2026, 3, 1))
    assert "period_end" in excinfo.value.message_dict
    assert not LogReview.objects.exists()


def test_outcomes_are_recorded_and_a_note_is_required_unless_justified(world, month):
    review = start(world, sample_size=0)
    item = review.items.get(event=month["emergency"])
    with pytest.raises(ValidationError) as excinfo:
        services.record_outcome(
            actor=world.coordinator, item=item, outcome=Outcome.UNJUSTIFIED_FOLLOWUP, note=" "
        )
    assert "note" in excinfo.value.message_dict
    services.record_outcome(
        actor=world.coordinator,
        item=item,
        outcome=Outcome.UNJUSTIFIED_FOLLOWUP,
        note="No emergency documented; talk to the nurse's manager.",
    )
    item.refresh_from_db()
    assert item.outcome == Outcome.UNJUSTIFIED_FOLLOWUP
    assert item.reviewed_by == world.coordinator
    assert item.reviewed_at is not None


def test_closing_is_refused_while_entries_are_pending(world, month):
    review = start(world, sample_size=0)
    with pytest.raises(ValidationError, match="cannot be closed: 5 entries have no outcome yet"):
        services.close_review(actor=world.coordinator, review=review, summary="Done.")
    review.refresh_from_db()
    assert review.is_open


def test_a_finished_review_closes_and_then_cannot_change(world, month):
    review = start(world, sample_size=0)
    for item in review.items.all():
        services.record_outcome(actor=world.coordinator, item=item, outcome=Outcome.JUSTIFIED)
    with pytest.raises(ValidationError):
        services.close_review(actor=world.coordinator, review=review, summary="  ")
    services.close_review(actor=world.coordinator, review=review, summary="All justified.")
    review.refresh_from_db()
    assert (review.status, review.summary) == ("closed", "All justified.")
    assert review.closed_by == world.coordinator
    with pytest.raises(ValidationError, match="closed"):
        services.record_outcome(
            actor=world.coordinator, item=review.items.first(), outcome=Outcome.UNCLEAR, note="?"
        )
    with pytest.raises(ValidationError, match="already closed"):
        services.close_review(actor=world.coordinator, review=review, summary="Again.")


def test_the_review_itself_is_logged(world, month):
    before = AuditEvent.objects.count()
    review = start(world, sample_size=0)
    item = review.items.get(event=month["night"])
    services.record_outcome(actor=world.coordinator, item=item, outcome=Outcome.JUSTIFIED)
    review.items.exclude(pk=item.pk).update(outcome=Outcome.JUSTIFIED)
    services.close_review(actor=world.coordinator, review=review, summary="Fine.")
    logged = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.action, e.purpose, e.object_type) for e in logged] == [
        ("review", "review", "log_review"),
        ("review", "review", "log_review_item"),
        ("review", "review", "log_review"),
    ]
    assert logged[0].object_id == str(review.pk)
    assert logged[1].resident == world.resident_mala
    assert all(e.actor == world.coordinator for e in logged)
    assert services.verify_chain().ok
