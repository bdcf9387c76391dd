"""The demo's two years of history tell the before/after story on the figures (issue #16).

The region is built as `make demo` does (`synth_region`, then `refresh_insights` builds the fact
tables), and every check reads the figures through `digifys.insights.figures.figure`, as the
pages do.
"""

import datetime
import io
import statistics

import pytest
from django.core.management import call_command

from digifys.consults.models import Consult
from digifys.directory.models import Organisation
from digifys.insights.figure_views import FIGURE_LIST
from digifys.insights.figures import figure
from digifys.insights.models import GoLive, HospitalTransfer
from digifys.synth.history import months_before
from digifys.synth.region import STOCKHOLM, generate_region
from digifys.trust.models import Answer, Item

NOW = datetime.datetime(2026, 11, 27, 0, 0, tzinfo=STOCKHOLM)
TODAY = NOW.date()
TWO_YEARS_AGO = TODAY - datetime.timedelta(days=730)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert months_before(datetime.date(2026, 11, 27), 12) == datetime.date(2025, 11, 27)
    assert months_before(datetime.date(2026, 11, 27), 6) == datetime.date(2026, 5, 27)
    assert months_before(datetime.date(2027, 3, 31), 1) == datetime.date(2027, 2, 28)
    assert months_before(datetime.date(2028, 3, 31), 1) == datetime.date(2028, 2, 29)
    assert months_before(datetime.date(2027, 1, 15), 13) == datetime.date(2025, 12, 15)


def _unit(home: str) -> Organisation:
    return Organisation.objects.units().filter(parent__name=home).order_by("pk").first()


def test_the_demo_units_went_live_12_and_6_months_ago_and_the_figures_tell_the_story():
    call_command("synth_region", "--scale", "40", "--now", TODAY.isoformat(), stdout=io.StringIO())
    out = io.StringIO()
    call_command("refresh_insights", stdout=out)
    assert out.getvalue().startswith("full:")

    # Go-live: the personas' home a year ago, the second home half a year ago, relative to now.
    year_unit, half_unit = _unit("Malåhemmet"), _unit("Tallbacka")
    went_live = dict(GoLive.objects.values_list("unit_id", "went_live_on"))
    assert went_live[year_unit.pk] == datetime.date(2025, 11, 27)
    assert went_live[half_unit.pk] == datetime.date(2026, 5, 27)
    others = set(went_live.values()) - {datetime.date(2025, 11, 27), datetime.date(2026, 5, 27)}
    assert others and all(
        datetime.date(2026, 6, 27) <= day <= datetime.date(2026, 9, 27) for day in others
    )
    assert set(went_live) == set(Organisation.objects.units().values_list("pk", flat=True))

    def series(code, unit=year_unit):
        return figure(code, "unit", unit.pk, "month", TWO_YEARS_AGO, TODAY)

    upc, locums = series("upc"), series("locum_share")
    transfers = series("transfers_per_1000")
    assert upc.after.value > upc.before.value + 0.3
    assert locums.after.value < locums.before.value - 0.5
    assert transfers.after.value < transfers.before.value
    assert series("named_share").after.value > 0.7
    assert series("channel_share:video").after.value > series("channel_share:video").before.value
    assert (
        series("channel_share:on_site").after.value < series("channel_share:on_site").before.value
    )
    assert series("country_share:ES").after.value > 0.5 > series("country_share:ES").before.value
    assert series("reviews_on_time").after.value > series("reviews_on_time").before.value
    assert (
        series("consult_median:urgent").after.value < series("consult_median:urgent").before.value
    )
    assert (
        series("consult_within:urgent").after.value > series("consult_within:urgent").before.value
    )
    consult_first = series("transfers_consult_first")
    assert consult_first.after.value > consult_first.before.value
    # Two years of monthly points, every one with a value (25 months: this one is partial).
    for code in ("contacts", "locum_share", "transfers_per_1000", "resident_days"):
        points = series(code).points
        assert len(points) == 25
        assert sum(point.all.value is not None for point in points) >= 24, code
    # The unit that went live half a year ago shows the same turn.
    assert series("upc", half_unit).after.value > series("upc", half_unit).before.value
    assert (
        series("locum_share", half_unit).after.value < series("locum_share", half_unit).before.value
    )

    # Transfers: some judged avoidable, some waiting for a judgement in the last month.
    assert HospitalTransfer.objects.filter(avoidable=True).exists()
    assert HospitalTransfer.objects.filter(avoidable=False).exists()
    assert not HospitalTransfer.objects.filter(occurred_at__gte=NOW).exists()
    assert not Consult.objects.filter(answered_at__gte=NOW).exists()

    # Trust: the unit's survey answers are better after go-live than before.
    def mean_score(answers):
        return statistics.fmean(getattr(a, item) for a in answers for item in Item.values)

    answers = list(Answer.objects.filter(unit=year_unit))
    before = [a for a in answers if a.month < datetime.date(2025, 11, 1)]
    after = [a for a in answers if a.month >= datetime.date(2026, 6, 1)]
    assert before and after
    assert mean_score(after) > mean_score(before) + 0.3


def test_the_history_is_as_long_as_asked():
    generate_region(seed=2, scale=10, history_days=60, now=NOW)
    first = HospitalTransfer.objects.order_by("occurred_at").values_list("occurred_at", flat=True)
    assert all(at >= NOW - datetime.timedelta(days=61) for at in first)
    assert GoLive.objects.count() == Organisation.objects.units().count()


def test_every_dashboard_figure_has_data_before_and_after_go_live_at_the_first_home():
    """Each figure of the dashboard (`figure_views.FIGURE_LIST`) at Malåhemmet, the personas'
    home (live for a year): a value over the months before go-live and over those after."""
    call_command("synth_region", "--scale", "40", "--now", TODAY.isoformat(), stdout=io.StringIO())
    call_command("refresh_insights", stdout=io.StringIO())
    home = Organisation.objects.get(kind=Organisation.Kind.NURSING_HOME, name="Malåhemmet")

    def series(code):
        return figure(code, "nursing_home", home.pk, "month", TWO_YEARS_AGO, TODAY)

    missing = []
    for code, _label, _unit in FIGURE_LIST:
        got = series(code)
        for era in ("before", "after"):
            if getattr(got, era).value is None:
                missing.append(f"{code} {era}")
    assert not missing

    # The story of the sources added for it (synth.care_history, and escalations in history).
    def better(code, higher=True):
        got = series(code)
        return got.after.value > got.before.value if higher else got.after.value < got.before.value

    assert better("messages_within")
    assert better("news2_reviewed:5")
    assert better("news2_review_median:5", higher=False)
    assert better("tasks_on_time")
    assert better("locum_hours_share", higher=False)
    assert series("locum_hours_share").before.value > 0.5
    # Escalations per resident-day fall: fewer late answers after go-live.
    escalations, days = series("escalations"), series("resident_days")
    assert escalations.after.value / days.after.value < escalations.before.value / days.before.value
