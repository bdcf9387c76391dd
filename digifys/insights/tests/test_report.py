"""The monthly report: the PDF's content against `figures.figure`, subscriptions, the e-mail job."""

import datetime
import io
import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from digifys.audit.models import AuditEvent
from digifys.insights import facts, figures, report, tasks
from digifys.insights.figure_views import show
from digifys.insights.models import ReportDelivery, ReportSubscription
from digifys.insights.report_services import send_monthly_reports, subscribe
from digifys.insights.tests import handmade
from digifys.insights.tests.handmade import FIRST, LAST, NOW

FEBRUARY = datetime.date(2026, 2, 1)
# 1 March 2026, 06:00 Stockholm: the job's first run after the hand-made world's February.
FIRST_OF_MARCH = datetime.datetime(2026, 3, 1, 6, 0, tzinfo=handmade.STOCKHOLM)


@pytest.fixture
def hand(world):
    hand = handmade.build(world)
    facts.refresh_facts(FIRST, LAST, now=NOW)
    return hand


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_report_has_each_figure_its_chart_and_the_values_of_figures(hand):
    w = hand.world
    pdf = report.monthly_report("region", w.region.pk, FEBRUARY, "en")
    text = _text(pdf)
    assert text.startswith("Monthly report: Region Västerbotten")
    assert "February 2026" in text and "March 2025" in text  # the month and 12 months back
    shown = report.report_figures("region")
    assert [code for code, _label, _unit in shown] == list(report.MAIN_FIGURES)
    assert _images(pdf) == len(shown)  # one chart per figure
    start = datetime.date(2025, 3, 1)
    with translation.override("en"):
        for code, label, unit in shown:
            assert _flat(str(label)) in text
            series = figures.figure(code, "region", w.region.pk, "month", start, LAST)
            assert len(series.points) == 12
            for point in series.points:
                month = point.start.strftime("%B %Y")
                cells = " ".join(show(getattr(point, era), unit) for era in report.ERAS)
                assert f"{month} {cells}" in text, (code, month, cells)
    # The region's contacts in February: 23 in Malå and 4 in Storuman (see test_figure_views).
    assert "February 2026 27 –" in text


def test_cells_behind_fewer_than_five_residents_say_so(hand):
    w = hand.world
    pdf = report.monthly_report("unit", w.unit_storuman.pk, FEBRUARY, "en")
    text = _text(pdf)
    assert str(w.unit_storuman) in text
    assert "fewer than 5 residents" in text
    series = figures.figure("contacts", "unit", w.unit_storuman.pk, "month", FIRST, LAST)
    assert all(point.all.suppressed for point in series.points)
    assert "February 2026 4" not in text  # Storuman's 4 February contacts are withheld


def test_the_report_is_written_in_the_readers_language(hand):
    w = hand.world
    swedish = _text(report.monthly_report("unit", w.unit_mala.pk, FEBRUARY, "sv"))
    assert "Månadsrapport" in swedish and "februari 2026" in swedish
    assert "2026-02-01" in swedish  # Malå's go-live date in the Swedish short format
    spanish = _text(report.monthly_report("unit", w.unit_mala.pk, FEBRUARY, "es"))
    assert "Informe mensual" in spanish and "febrero de 2026" in spanish
    assert "01/02/2026" in spanish
    # A share with one decimal: a comma in Swedish and Spanish.
    with translation.override("sv"):
        named = figures.figure("named_share", "unit", w.unit_mala.pk, "month", FEBRUARY, LAST)
        value = show(named.all, "share")
    assert "," in value and value in swedish


def test_a_physicians_report_has_only_the_contact_figures(hand):
    pdf = report.monthly_report("physician", hand.a.pk, FEBRUARY, "en")
    text = _text(pdf)
    assert "Physician contacts" in text and "Nurse tasks done on time" not in text
    assert _images(pdf) == len(report.report_figures("physician")) == 3


def test_the_download_is_logged_and_a_bad_month_says_so(hand, login, time_machine):
    time_machine.move_to(NOW)
    w = hand.world
    client = login(w.coordinator, language="en")
    before = AuditEvent.objects.count()
    response = client.get(
        reverse("insights:report_pdf"), {"level": "region", "key": w.region.pk, "month": "2026-02"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "February 2026" in _text(response.content)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-pk").first()
    assert (event.object_type, event.action, event.resident_id) == (
        "insights_report",
        "export",
        None,
    )
    assert event.object_id == f"region:{w.region.pk}" and event.details["via"] == "download"
    # Default: last month (February, on 1 March).
    default = client.get(reverse("insights:report_pdf"), {"level": "unit", "key": w.unit_mala.pk})
    assert "February 2026" in _text(default.content)
    bad = client.get(reverse("insights:report_pdf"), {"month": "2026-03"}, follow=True)
    assert "Choose one of the last 24 complete months" in bad.content.decode()
    assert AuditEvent.objects.count() == before + 3  # two reports and the page shown after
    # A physician may not have another unit's report.
    other = login(w.physician_spain)
    query = {"level": "unit", "key": w.unit_storuman.pk}
    assert other.get(reverse("insights:report_pdf"), query).status_code == 404


def test_a_manager_subscribes_and_unsubscribes_on_the_figures_page(hand, login):
    w = hand.world
    client = login(w.coordinator, language="es")
    query = f"?level=unit&key={w.unit_mala.pk}"
    page = client.get(reverse("insights:figures") + query)
    assert "Enviarme el informe cada mes" in page.content.decode()
    response = client.post(reverse("insights:report_subscribe") + query, follow=True)
    subscription = ReportSubscription.objects.get(user=w.coordinator)
    assert (subscription.level, subscription.key, subscription.language) == (
        "unit",
        w.unit_mala.pk,
        "es",
    )
    html = response.content.decode()
    assert "Recibirá el informe mensual" in html and "Dejar de recibir el correo mensual" in html
    client.post(reverse("insights:report_subscribe") + query)  # again: still one
    assert ReportSubscription.objects.filter(user=w.coordinator).count() == 1
    response = client.post(reverse("insights:report_unsubscribe") + query, follow=True)
    assert not ReportSubscription.objects.exists()
    assert "Ya no recibirá el informe mensual" in response.content.decode()
    # A physician cannot subscribe to a unit outside their panel.
    physician = login(w.physician_spain)
    outside = f"?level=unit&key={w.unit_storuman.pk}"
    assert physician.post(reverse("insights:report_subscribe") + outside).status_code == 404
    assert login(w.nurse_mala).post(reverse("insights:report_subscribe")).status_code == 403
    assert not ReportSubscription.objects.exists()


def test_subscribing_needs_the_csrf_token(hand, client):
    from digifys.testing.accounts import complete_second_factor

    client.handler.enforce_csrf_checks = True
    client.force_login(hand.world.coordinator)
    complete_second_factor(client, hand.world.coordinator)
    assert client.post(reverse("insights:report_subscribe")).status_code == 403
    assert not ReportSubscription.objects.exists()


@pytest.fixture
def subscribed(hand):
    w = hand.world
    for user, address in (
        (w.coordinator, "eva@example.org"),
        (w.physician_spain, "carmen@example.org"),
    ):
        user.email = address
        user.save()
    subscribe(actor=w.coordinator, level="region", key=w.region.pk, language="sv")
    subscribe(actor=w.coordinator, level="unit", key=w.unit_storuman.pk, language="en")
    subscribe(actor=w.physician_spain, level="unit", key=w.unit_mala.pk, language="es")
    return hand


def test_the_job_on_the_first_mails_each_subscriber_once(
    subscribed, time_machine, mailoutbox, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = subscribed.world
    time_machine.move_to(FIRST_OF_MARCH)
    result = tasks.monthly_reports.call(reschedule=False)
    assert result == {"sent": 3}
    assert len(mailoutbox) == 3
    by_subject = {mail.subject: mail for mail in mailoutbox}
    assert set(by_subject) == {
        "Månadsrapport februari 2026: Region Västerbotten",
        f"Monthly report February 2026: {w.unit_storuman}",
        f"Informe mensual febrero de 2026: {w.unit_mala}",
    }
    swedish = by_subject["Månadsrapport februari 2026: Region Västerbotten"]
    assert swedish.to == ["eva@example.org"] and "Hej" in swedish.body
    ((name, content, mimetype),) = swedish.attachments
    assert mimetype == "application/pdf" and name.endswith(f"-region-{w.region.pk}-2026-02.pdf")
    assert "Månadsrapport: Region Västerbotten" in _text(content)
    assert _images(content) == len(report.MAIN_FIGURES)
    assert ReportDelivery.objects.filter(month=FEBRUARY).count() == 3
    events = AuditEvent.objects.filter(object_type="insights_report")
    assert events.count() == 3 and {e.details["via"] for e in events} == {"email"}
    # Running again (the job or the command) sends nothing twice.
    assert tasks.monthly_reports.call(reschedule=False) == {"already_sent": 3}
    out = StringIO()
    call_command("send_monthly_reports", "--month", "2026-02", stdout=out)
    assert out.getvalue().strip() == "2026-02: already_sent 3"
    assert len(mailoutbox) == 3


def test_a_subscriber_who_may_no_longer_see_the_level_gets_no_report(
    subscribed, time_machine, mailoutbox, caplog, settings
):
    from digifys.careteams.models import PhysicianAssignment

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = subscribed.world
    # Carmen's panel in Malå ends: Malå is no longer hers to see.
    PhysicianAssignment.objects.filter(physician=subscribed.a).update(ended_at=NOW)
    time_machine.move_to(FIRST_OF_MARCH)
    with caplog.at_level(logging.WARNING, logger="digifys.insights.report"):
        result = send_monthly_reports(month=FEBRUARY)
    assert result == {"sent": 2, "not_allowed": 1}
    assert {mail.to[0] for mail in mailoutbox} == {"eva@example.org"}
    assert f"may no longer see unit {w.unit_mala.pk}" in caplog.text
    assert not ReportDelivery.objects.filter(subscription__user=w.physician_spain).exists()
    assert ReportSubscription.objects.filter(user=w.physician_spain).exists()  # kept
    # A closed account gets nothing either.
    w.coordinator.is_active = False
    w.coordinator.save()
    assert send_monthly_reports(month=datetime.date(2026, 1, 1)) == {"not_allowed": 3}


def test_the_job_schedules_itself_for_the_next_first_at_six(subscribed, time_machine):
    from django_tasks_db.models import DBTaskResult

    time_machine.move_to(NOW)  # 1 March 12:00: the next run is 1 April 06:00
    expected = datetime.datetime(2026, 4, 1, 6, 0, tzinfo=handmade.STOCKHOLM)
    assert tasks.next_report_run() == expected
    before = datetime.datetime(2026, 3, 1, 5, 59, tzinfo=handmade.STOCKHOLM)
    assert tasks.next_report_run(before) == FIRST_OF_MARCH
    december = datetime.datetime(2026, 12, 15, tzinfo=handmade.STOCKHOLM)
    assert tasks.next_report_run(december) == datetime.datetime(
        2027, 1, 1, 6, 0, tzinfo=handmade.STOCKHOLM
    )
    out = StringIO()
    call_command("schedule_insights_refresh", stdout=out)
    assert "Monthly reports: queued for 2026-04-01T06:00:00+02:00" in out.getvalue()
    call_command("schedule_insights_refresh", stdout=out)
    assert "Already queued: Monthly reports." in out.getvalue()
    queued = DBTaskResult.objects.filter(task_path=tasks.monthly_reports.module_path)
    assert queued.count() == 1 and queued.get().run_after == expected
    tasks.monthly_reports.call(reschedule=True)
    assert queued.count() == 2


def test_the_command_checks_its_month(hand, time_machine):
    time_machine.move_to(NOW)
    with pytest.raises(CommandError, match="not a month"):
        call_command("send_monthly_reports", "--month", "March")
    with pytest.raises(CommandError, match="has not begun"):
        call_command("send_monthly_reports", "--month", "2026-04")
    out = StringIO()
    call_command("send_monthly_reports", stdout=out)
    assert out.getvalue().strip() == "2026-02: no subscriptions"


def test_last_month_crosses_the_new_year():
    assert report.previous_month(datetime.date(2027, 1, 1)) == datetime.date(2026, 12, 1)
    assert report.previous_month(datetime.date(2026, 3, 31)) == FEBRUARY
    assert report.last_of_month(FEBRUARY) == LAST


def test_a_failed_send_is_tried_again_and_no_address_means_no_report(
    subscribed, time_machine, mailoutbox, settings, caplog
):
    w = subscribed.world
    time_machine.move_to(FIRST_OF_MARCH)
    # A mail server that refuses the connection (nothing listens on port 9 of localhost).
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 5
    assert send_monthly_reports(month=FEBRUARY) == {"failed": 3}
    assert not ReportDelivery.objects.exists()
    assert not AuditEvent.objects.filter(object_type="insights_report").exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w.physician_spain.email = ""
    w.physician_spain.save()
    with caplog.at_level(logging.WARNING, logger="digifys.insights.report"):
        assert send_monthly_reports(month=FEBRUARY) == {"sent": 2, "no_email": 1}
    assert "has no e-mail address" in caplog.text
    assert len(mailoutbox) == 2
    # The mail links back to the figures page, where the subscription can be stopped.
    assert f"/insights/figures/?level=region&key={w.region.pk}\n" in mailoutbox[0].body


def test_a_figure_with_a_pilot_target_gets_the_target_line(hand, monkeypatch):
    from digifys.insights import targets

    w = hand.world
    series = figures.figure("named_share", "region", w.region.pk, "month", FIRST, LAST)
    assert report._target("named_share") == targets.TARGETS["named_share"].value == 0.80
    assert report._target("contacts") is None
    with translation.override("en"):
        drawn = report.chart_png(series, "Named physician", "share", "en")
        monkeypatch.delitem(targets.TARGETS, "named_share")
        without = report.chart_png(series, "Named physician", "share", "en")
    assert drawn != without
