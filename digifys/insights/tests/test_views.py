"""Continuity pages: what each role sees, the access log, search, pagination, empty states."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from digifys.accounts.models import Role
from digifys.audit.models import AuditEvent
from digifys.careteams.models import CareContact
from digifys.directory.models import Organisation
from digifys.insights import selectors
from digifys.testing.world import make_org, make_staff


def contact(resident, clinician, days: int) -> None:
    CareContact.objects.create(
        resident=resident,
        clinician=clinician,
        unit=resident.unit,
        kind="video",
        occurred_at=timezone.now() - datetime.timedelta(days=days),
    )


@pytest.fixture
def contacts(world):
    a = world.physician_spain.staff_profile
    b = world.other_physician.staff_profile
    agency = make_org(Organisation.Kind.AGENCY, "Läkarbemanning AB", world.region)
    locum = make_staff("lars.locum", Role.PHYSICIAN, agency, is_locum=True)
    for days, who in ((90, a), (60, b), (30, a)):
        contact(world.resident_mala, who, days)
    contact(world.resident_storuman, locum, 10)
    return a, b, locum


def _reads(before: int) -> list[AuditEvent]:
    return [e for e in AuditEvent.objects.order_by("seq")[before:] if e.action == "read"]


def test_coordinator_dashboard_shows_figures_without_naming_residents(world, contacts, login):
    before = AuditEvent.objects.count()
    page = login(world.coordinator, language="en").get(reverse("insights:continuity"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "The locum era against now" in html
    assert reverse("insights:unit", args=[world.unit_mala.pk]) in html
    assert "Malåhemmet – Avd 1 Björken" in html
    assert "Lars Locum" in html and "Carmen Doctor" in html
    assert "0.33" in html  # Greta's COC is the unit's mean
    assert "Greta" not in html
    assert AuditEvent.objects.count() == before  # organisation figures only


def test_dashboard_cut_over_parameter(world, contacts, login):
    client = login(world.coordinator, language="en")
    page = client.get(reverse("insights:continuity"), {"cutover": "2026-03-01"})
    assert 'value="2026-03-01"' in page.content.decode()
    assert "(2025-03-01 to 2026-03-01)" in page.content.decode()

    page = client.get(reverse("insights:continuity"), {"cutover": "not a date"})
    assert page.status_code == 200
    assert "Enter a date like 2026-01-31" in page.content.decode()
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    page = client.get(reverse("insights:continuity"), {"cutover": future})
    assert "cannot be in the future" in page.content.decode()


def test_dashboard_sorts_units_and_pages_clinicians(world, contacts, login, settings):
    settings.DIGIFYS_PAGE_SIZE = 2
    client = login(world.coordinator, language="en")
    page = client.get(reverse("insights:continuity"), {"sort": "locum"}).content.decode()
    # Storuman (all locum) comes before Malå (none) when sorted by the highest locum share.
    assert page.index("Blå Vägen – Avd 2 Tallen") < page.index("Malåhemmet – Avd 1 Björken")
    assert "Page 1 of 2" in page
    assert "sort=locum&amp;page=2" in page
    page = client.get(reverse("insights:continuity"), {"sort": "name"}).content.decode()
    assert page.index("Malåhemmet – Avd 1 Björken") < page.index("Blå Vägen – Avd 2 Tallen")


def test_empty_dashboard(world, login):
    page = login(world.coordinator, language="en").get(reverse("insights:continuity"))
    assert "No physician contacts in the last 12 months." in page.content.decode()


def test_unit_drill_down_for_coordinator_logs_administration_reads(world, contacts, login):
    before = AuditEvent.objects.count()
    url = reverse("insights:unit", args=[world.unit_mala.pk])
    page = login(world.coordinator, language="en").get(url)

    html = page.content.decode()
    assert "Lind, Greta" in html and "Nord, Helge" in html
    assert "No physician contacts in the last 12 months." in html  # Helge
    reads = _reads(before)
    assert sorted(e.resident_id for e in reads) == sorted(
        [world.resident_mala.pk, world.resident_mala_2.pk]
    )
    assert {(e.purpose, e.object_type) for e in reads} == {("administration", "continuity")}


def test_unit_drill_down_search_and_htmx(world, contacts, login):
    client = login(world.nurse_mala, language="en")
    url = reverse("insights:unit", args=[world.unit_mala.pk])
    before = AuditEvent.objects.count()
    page = client.get(url, {"q": "Greta"}, headers={"HX-Request": "true"})

    html = page.content.decode()
    assert "Lind, Greta" in html and "Helge" not in html
    assert "<h1>" not in html  # only the results partial
    reads = _reads(before)
    assert [(e.resident_id, e.purpose) for e in reads] == [(world.resident_mala.pk, "care")]
    page = client.get(url, {"q": "Nobody"})
    assert "No resident matches your search." in page.content.decode()


def test_physician_sees_own_figures_and_panel(world, contacts, login):
    before = AuditEvent.objects.count()
    page = login(world.physician_spain, language="en").get(reverse("insights:mine"))

    html = page.content.decode()
    assert "Lind, Greta" in html and "Nord, Helge" in html
    assert "Inga" not in html  # not on her panel
    assert "100 %" in html  # all her contacts were with her own panel
    reads = _reads(before)
    assert {e.purpose for e in reads} == {"care"}
    assert len(reads) == 2


def test_physician_without_panel_or_contacts(world, login):
    page = login(world.other_physician, language="en").get(reverse("insights:mine"))
    html = page.content.decode()
    assert "You have no residents in your panel." in html
    assert "No physician contacts in the last 12 months." in html


@translation.override("en")
def test_resident_partial(world, contacts):
    html = render_to_string(
        "insights/_resident_continuity.html",
        {"continuity": selectors.resident_continuity(world.resident_mala)},
    )
    assert "Carmen Doctor" in html and "David Doctor" in html
    assert "67 %" in html  # two of three with the named physician
    empty = render_to_string(
        "insights/_resident_continuity.html",
        {"continuity": selectors.resident_continuity(world.resident_mala_2)},
    )
    assert "No physician contacts in the last 12 months." in empty
    assert "Carmen Doctor" in empty  # the named physician is still shown


def test_page_queries_do_not_grow_with_the_data(world, contacts, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from digifys.testing.world import make_resident

    a, b, locum = contacts
    coordinator = login(world.coordinator, language="en")
    urls = [
        reverse("insights:continuity"),
        reverse("insights:unit", args=[world.unit_mala.pk]),
    ]

    def counts(client, urls):
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries.captured_queries))
        return result

    few = counts(coordinator, urls)
    for number in range(12):
        resident = make_resident(world.unit_mala)
        for days, who in ((100, a), (70, b), (40, locum), (10, a)):
            contact(resident, who, days + number)
    # The unit page writes its audit entries (one per resident shown) in one batch.
    assert counts(coordinator, urls) == few
