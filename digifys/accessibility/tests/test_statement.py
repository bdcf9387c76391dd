"""The accessibility statement (lag 2018:1937, DIGG's model) and reports of problems."""

import pytest
from django.test import Client
from django.urls import reverse

from digifys.accessibility.models import AccessibilityReport
from digifys.accessibility.views import DIGG_REPORT_URL

pytestmark = pytest.mark.django_db

STATEMENT = "/accessibility/"
REPORT = "/accessibility/report/"


@pytest.mark.parametrize(
    ("language", "heading", "compliance", "supervision"),
    [
        ("sv", "Tillgänglighet för digifys", "delvis förenlig", "Tillsyn"),
        ("en", "Accessibility of digifys", "partially compliant", "Supervision"),
        ("es", "Accesibilidad de digifys", "parcialmente conforme", "Supervisión"),
    ],
)
def test_the_statement_follows_diggs_model_in_each_language(
    client, language, heading, compliance, supervision
):
    client.cookies["django_language"] = language
    response = client.get(STATEMENT)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'lang="{language}"' in page
    assert heading in page
    assert compliance in page  # helt / delvis / inte förenlig, in DIGG's words
    assert supervision in page
    assert DIGG_REPORT_URL in page  # the supervisory authority's own report form
    assert "2018:1937" in page
    assert "EN 301 549" in page
    assert 'href="/accessibility/report/' in page  # the way to report a problem
    # The known shortcomings are named, and when the assessment was made.
    assert "6.2.1.1" in page and "1.3.1" in page
    assert "2026" in page


def test_every_page_links_to_the_statement_from_its_footer(world, login):
    anonymous = Client().get(reverse("accounts:login"))
    assert 'href="/accessibility/?page=/accounts/login/"' in anonymous.content.decode()
    client = login(world.nurse_mala)
    page = client.get(reverse("worklist:unit", args=[world.unit_mala.pk])).content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    assert f'href="/accessibility/?page=/worklist/units/{world.unit_mala.pk}/"' in footer


def test_staff_who_cannot_get_past_the_second_factor_can_read_it_and_report(world, client):
    # Logged in with the password only: every other page sends them to the two-factor step.
    client.force_login(world.nurse_mala)
    assert client.get(reverse("residents:list")).status_code == 302
    assert client.get(STATEMENT).status_code == 200
    assert client.get(REPORT).status_code == 200


def test_anyone_reports_a_problem_and_it_is_stored_for_the_administrators(world, client, login):
    form = client.get(f"{REPORT}?page=/worklist/units/7/")
    assert 'value="/worklist/units/7/"' in form.content.decode()  # where they came from
    response = client.post(
        REPORT,
        {
            "page": "/worklist/units/7/",
            "description": "Skärmläsaren läser inte upp NEWS2-värdet.",
            "contact": "anna@example.org",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("accessibility:report_sent")
    report = AccessibilityReport.objects.get()
    assert (report.page, report.contact, report.language) == (
        "/worklist/units/7/",
        "anna@example.org",
        "sv",
    )
    assert report.reported_by is None
    thanks = client.get(response.url).content.decode()
    assert "Tack för din rapport" in thanks

    admin = login(world.administrator)
    listing = admin.get(reverse("admin:accessibility_accessibilityreport_changelist"))
    assert listing.status_code == 200
    assert "Skärmläsaren läser inte upp NEWS2-värdet." in listing.content.decode()


def test_a_logged_in_reporter_is_recorded(world, login):
    client = login(world.relative_with_consent)
    client.post(REPORT, {"page": "", "description": "Knappen syns inte.", "contact": ""})
    assert AccessibilityReport.objects.get().reported_by == world.relative_with_consent


def test_a_report_without_a_description_is_refused_and_nothing_typed_is_lost(client):
    response = client.post(REPORT, {"page": "Boendesidan", "description": "", "contact": "070"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ingenting skickades" in page
    assert 'value="Boendesidan"' in page and 'value="070"' in page
    assert not AccessibilityReport.objects.exists()


def test_a_flood_of_reports_from_one_address_is_refused(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.ACCESSIBILITY_REPORTS_PER_HOUR = 2
    for number in range(2):
        client.post(REPORT, {"description": f"Problem {number}"})
    response = client.post(REPORT, {"description": "Problem 3"})
    assert response.status_code == 429
    assert "Problem 3" in response.content.decode()  # still in the form
    assert AccessibilityReport.objects.count() == 2
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.9")
    assert other.post(REPORT, {"description": "Problem 4"}).status_code == 302
