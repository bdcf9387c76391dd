"""Continuity figures from hand-built contacts: per resident, unit, municipality, clinician,
before/after a cut-over; and the number of queries, which must not grow with the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digifys.accounts.models import Role
from digifys.careteams.models import CareContact
from digifys.directory.models import Organisation
from digifys.insights import selectors
from digifys.testing.world import make_org, make_resident, make_staff

NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)
# The world's named assignments (physician_spain for the Malå residents) start here.
ASSIGNED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def days_ago(days: int) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def contact(resident, clinician, days: int, kind: str = "video") -> CareContact:
    return CareContact.objects.create(
        resident=resident,
        clinician=clinician,
        unit=resident.unit,
        kind=kind,
        occurred_at=days_ago(days),
    )


@pytest.fixture
def people(world):
    """A = physician_spain (named for the Malå residents), B = other_physician, L = a locum."""
    agency = make_org(Organisation.Kind.AGENCY, "Läkarbemanning AB", world.region)
    locum = make_staff("lars.locum", Role.PHYSICIAN, agency, is_locum=True)
    return (
        world.physician_spain.staff_profile,
        world.other_physician.staff_profile,
        locum,
    )


def test_a_resident_with_three_contacts_from_two_clinicians(world, people):
    a, b, _locum = people
    greta = world.resident_mala
    contact(greta, a, 90)
    contact(greta, b, 60)
    contact(greta, a, 30)
    contact(greta, b, 400)  # older than 12 months: not counted

    rows = selectors.resident_figures(selectors.rolling_window(NOW))

    figures = rows[greta.pk]
    i = figures.indices
    assert (i.n, i.m) == (3, 2)
    assert i.upc == pytest.approx(2 / 3)
    assert i.upc_usual == pytest.approx(2 / 3)  # A is Greta's named physician
    assert i.coc == pytest.approx((4 + 1 - 3) / (3 * 2))
    assert i.secon == 0.0
    assert figures.named_id == a.pk
    assert figures.named_contacts == 2
    assert figures.locum_contacts == 0
    assert figures.last_contact == days_ago(30)
    assert set(rows) == {greta.pk}


def test_the_window_is_half_open_and_rolling(world, people):
    a, _b, _l = people
    greta = world.resident_mala
    contact(greta, a, 365)  # exactly 12 months ago: inside
    contact(greta, a, 366)
    CareContact.objects.create(
        resident=greta, clinician=a, unit=greta.unit, kind="video", occurred_at=NOW
    )  # at "now": outside (the window ends before now)

    rows = selectors.resident_figures(selectors.rolling_window(NOW))

    assert rows[greta.pk].indices.n == 1


def test_unit_municipality_and_region_aggregate_means_over_residents_with_two_contacts(
    world, people
):
    a, b, locum = people
    greta, helge = world.resident_mala, world.resident_mala_2
    third = make_resident(world.unit_mala, given_name="Ivar", family_name="Ek")
    for days, who in ((90, a), (60, b), (30, a)):
        contact(greta, who, days)  # UPC 2/3, COC 1/3
    contact(helge, a, 50)
    contact(helge, a, 20)  # UPC 1, COC 1
    contact(third, locum, 10)  # one contact: counted, but not in the means
    contact(world.resident_storuman, b, 5)

    data = selectors.dashboard(now=NOW)

    unit = next(g for g in data.units if g.pk == world.unit_mala.pk)
    f = unit.figures
    assert (f.residents, f.residents_2, f.contacts, f.clinicians) == (3, 2, 6, 3)
    assert f.upc == pytest.approx((2 / 3 + 1) / 2)
    assert f.coc == pytest.approx((1 / 3 + 1) / 2)
    assert f.secon == pytest.approx((0 + 1) / 2)
    assert f.named_share == pytest.approx(4 / 6)  # Ivar has no named physician: 0 of 1
    assert f.locum_share == pytest.approx(1 / 6)
    assert unit.name == "Malåhemmet – Avd 1 Björken"
    assert unit.municipality == "Malå"

    mala = next(g for g in data.municipalities if g.pk == world.mala.pk)
    assert mala.figures == f
    storuman = next(g for g in data.municipalities if g.pk == world.storuman.pk)
    assert (storuman.figures.residents, storuman.figures.residents_2) == (1, 0)
    assert storuman.figures.coc is None  # no resident with two contacts
    assert storuman.figures.named_share == 0.0
    assert data.region.contacts == 7
    assert data.region.residents == 4
    assert data.region.upc == pytest.approx(f.upc)  # the only residents with n ≥ 2


def test_clinician_figures(world, people):
    a, b, locum = people
    greta, helge = world.resident_mala, world.resident_mala_2
    for days, who in ((90, a), (60, b), (30, a)):
        contact(greta, who, days)
    contact(helge, a, 50)
    contact(helge, locum, 20)
    contact(world.resident_storuman, b, 5)

    clinicians = {c.pk: c for c in selectors.dashboard(now=NOW).clinicians}

    spain = clinicians[a.pk]
    assert (spain.residents, spain.contacts) == (2, 3)
    assert spain.own_panel_share == 1.0  # both are on her panel
    assert spain.upc == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert spain.coc == pytest.approx((1 / 3 + 0) / 2)
    assert spain.locum_share == pytest.approx(1 / 5)
    assert not spain.is_locum
    other = clinicians[b.pk]
    assert (other.residents, other.contacts, other.own_panel_share) == (2, 2, 0.0)
    assert clinicians[locum.pk].is_locum
    assert clinicians[locum.pk].name == "Lars Locum"

    own = selectors.physician_figures(a, selectors.rolling_window(NOW))
    assert own == spain
    assert selectors.physician_figures(locum, selectors.rolling_window(days_ago(365))) is None


def test_before_and_after_the_cut_over(world, people):
    a, b, locum = people
    greta = world.resident_mala
    # The locum era: before the named assignment of 2026-01-01.
    for days, who in ((800, locum), (500, b), (400, locum), (340, b)):
        contact(greta, who, days)
    # The named-physician era.
    for days in (300, 200, 100):
        contact(greta, a, days)
    contact(greta, b, 50)

    # By default the cut-over is when the oldest current named assignment started.
    assert selectors.default_cutover(NOW) == ASSIGNED
    before, after = selectors.before_after(cutover=ASSIGNED, now=NOW)

    assert (before.contacts, before.residents) == (3, 1)  # 800 days ago is outside
    assert before.upc == pytest.approx(2 / 3)
    assert before.coc == pytest.approx((4 + 1 - 3) / 6)
    assert before.named_share == 0.0  # nobody was named physician then
    assert before.locum_share == pytest.approx(1 / 3)
    assert after.contacts == 4
    assert after.upc == pytest.approx(3 / 4)
    assert after.named_share == pytest.approx(3 / 4)
    assert after.locum_share == 0.0

    data = selectors.dashboard(now=NOW)
    assert data.cutover == ASSIGNED
    assert (data.before.start, data.before.end) == (ASSIGNED - datetime.timedelta(365), ASSIGNED)
    assert (data.after.start, data.after.end) == (ASSIGNED, NOW)
    region = data.before_after[-1]
    assert region.pk is None
    assert (region.before, region.after) == (before, after)
    mala = next(r for r in data.before_after if r.pk == world.mala.pk)
    assert (mala.before, mala.after) == (before, after)


def test_after_window_is_the_last_12_months_when_the_cut_over_is_older():
    cutover = days_ago(500)
    before, after = selectors.before_after_windows(cutover, NOW)
    assert (before.start, before.end) == (days_ago(865), cutover)
    assert (after.start, after.end) == (days_ago(365), NOW)


def test_default_cut_over_without_assignments_is_12_months_ago(db):
    assert selectors.default_cutover(NOW) == days_ago(365)


def test_nothing_to_show(world):
    data = selectors.dashboard(now=NOW)
    assert data.region == selectors.Figures()
    assert data.units == data.municipalities == data.clinicians == []
    assert data.before_after[-1].before.contacts == 0


def test_resident_continuity(world, people):
    a, b, locum = people
    greta = world.resident_mala
    for days, who in ((90, a), (60, locum), (30, a), (400, b)):
        contact(greta, who, days)

    result = selectors.resident_continuity(greta, now=NOW)

    assert (result.indices.n, result.indices.m) == (3, 2)
    assert result.indices.upc_usual == pytest.approx(2 / 3)
    assert result.named_name == "Carmen Doctor"
    assert result.last_contact == days_ago(30)
    assert result.locum_contacts == 1
    assert [(p.name, p.contacts, p.is_named, p.is_locum) for p in result.providers] == [
        ("Carmen Doctor", 2, True, False),
        ("Lars Locum", 1, False, True),
    ]
    empty = selectors.resident_continuity(world.resident_storuman, now=NOW)
    assert (empty.indices.n, empty.indices.upc, empty.named_name, empty.providers) == (
        0,
        None,
        "",
        [],
    )


def _queries(function) -> int:
    with CaptureQueriesContext(connection) as queries:
        function()
    return len(queries.captured_queries)


def test_query_counts_do_not_grow_with_residents_or_contacts(world, people):
    a, b, locum = people
    contact(world.resident_mala, a, 10)

    def everything():
        selectors.dashboard(now=NOW)
        window = selectors.rolling_window(NOW)
        selectors.resident_lines([world.resident_mala, world.resident_mala_2], window)
        selectors.resident_continuity(world.resident_mala, now=NOW)
        selectors.physician_figures(a, window)

    few = _queries(everything)
    for number in range(30):
        resident = make_resident(world.unit_storuman if number % 2 else world.unit_mala)
        for days, who in ((100, a), (80, b), (60, locum), (40, a), (20, b)):
            contact(resident, who, days + number)
    contact(world.resident_mala, b, 5)
    assert _queries(everything) == few

    assert _queries(lambda: selectors.dashboard(now=NOW)) == 6
    assert _queries(lambda: selectors.resident_continuity(world.resident_mala, now=NOW)) == 3
    window = selectors.rolling_window(NOW)
    assert _queries(lambda: selectors.resident_lines([world.resident_mala], window)) == 2
    assert _queries(lambda: selectors.resident_lines([], window)) == 0
