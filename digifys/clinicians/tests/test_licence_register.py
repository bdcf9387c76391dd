"""The licence-register adapter against a local HTTP server this test starts (issue #15 §1).

valid / withdrawn / unknown / timeout — the last keeps the previous status and alerts the
coordinators, never granting a licence.
"""

import datetime
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from digifys.clinicians import registry, rules, services, tasks
from digifys.clinicians.models import Clinician, LicenceCheck
from digifys.notifications.models import Notification

from .conftest import entry

pytestmark = pytest.mark.django_db

FUTURE = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
PAST = (datetime.date.today() - datetime.timedelta(days=3)).isoformat()

ANSWERS = {
    "VALID1": (200, {"number": "VALID1", "status": "valid", "valid_until": FUTURE}),
    "GONE1": (200, {"number": "GONE1", "status": "withdrawn", "valid_until": None}),
    "OLD1": (200, {"number": "OLD1", "status": "valid", "valid_until": PAST}),
    "BROKEN": (200, "not json"),
    "ERROR": (503, {"detail": "maintenance"}),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        number = self.path.rsplit("/", 1)[-1]
        if not self.path.startswith("/licences/"):
            self.send_error(400)
            return
        if number == "SLOW1":
            time.sleep(6)
        status, body = ANSWERS.get(number, (404, {"detail": "not found"}))
        payload = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def register(server):
    return registry.HttpLicenceRegister(server, timeout=0.5)


def test_the_adapter_reads_each_answer(register):
    assert register.lookup("VALID1") == registry.LicenceAnswer(
        status="valid", valid_until=datetime.date.fromisoformat(FUTURE)
    )
    assert register.lookup("GONE1").status == "withdrawn"
    assert register.lookup("NOBODY").status == "unknown"
    for number in ("SLOW1", "BROKEN", "ERROR"):
        with pytest.raises(registry.RegisterUnavailable):
            register.lookup(number)


def test_a_valid_licence_is_confirmed(world, register):
    clinician = entry(world.physician_spain, licence_number="VALID1")
    check = services.check_licence(clinician=clinician, register=register)
    clinician.refresh_from_db()
    assert check.outcome == "valid"
    assert clinician.licence_status == "valid"
    assert clinician.licence_valid_until == datetime.date.fromisoformat(FUTURE)
    assert clinician.licence_checked_at is not None
    assert not Notification.objects.filter(kind=Notification.Kind.LICENCE_ALERT).exists()


def test_a_withdrawn_licence_blocks_at_once_and_alerts(world, register):
    clinician = entry(world.physician_spain, licence_number="GONE1")
    services.check_licence(clinician=clinician, register=register)
    staff = world.physician_spain.staff_profile
    staff.refresh_from_db()
    assert Clinician.objects.get(pk=clinician.pk).licence_status == "withdrawn"
    assert not rules.licence_valid(Clinician.objects.get(pk=clinician.pk).staff)
    alerted = set(
        Notification.objects.filter(code="licence_withdrawn").values_list("recipient", flat=True)
    )
    assert alerted == {world.coordinator.pk, world.physician_spain.pk}
    # Checking again changes nothing and does not alert twice.
    services.check_licence(clinician=clinician, register=register)
    assert Notification.objects.filter(code="licence_withdrawn").count() == 2


def test_a_licence_valid_until_a_past_date_is_expired(world, register):
    clinician = entry(world.physician_spain, licence_number="OLD1")
    check = services.check_licence(clinician=clinician, register=register)
    assert check.outcome == "expired"
    assert Clinician.objects.get(pk=clinician.pk).licence_status == "expired"


def test_an_unknown_number_is_flagged(world, register):
    clinician = entry(world.physician_spain, licence_number="NOBODY")
    services.check_licence(clinician=clinician, register=register)
    assert Clinician.objects.get(pk=clinician.pk).licence_status == "unknown"
    assert Notification.objects.filter(code="licence_unknown").exists()


@pytest.mark.parametrize("before", ["valid", "withdrawn", "in_process"])
def test_a_timeout_keeps_the_previous_status_and_alerts(world, register, before):
    clinician = entry(world.physician_spain, licence_number="SLOW1", licence_status=before)
    started = time.monotonic()
    check = services.check_licence(clinician=clinician, register=register)
    # the 0.5 s timeout, not the server's 6 s (slack for a busy machine)
    assert time.monotonic() - started < 4
    assert check.outcome == LicenceCheck.Outcome.FAILED
    assert (check.status_before, check.status_after) == (before, before)
    assert Clinician.objects.get(pk=clinician.pk).licence_status == before  # never granted
    assert list(
        Notification.objects.filter(code="licence_check_failed").values_list("recipient", flat=True)
    ) == [world.coordinator.pk]


def test_the_nightly_job_checks_every_working_clinician(world, server, settings):
    settings.LICENCE_REGISTER_URL = server
    settings.LICENCE_REGISTER_TIMEOUT = 1
    entry(world.physician_spain, licence_number="GONE1")
    entry(world.other_physician, licence_number="VALID1")
    gone = entry(
        world.coordinator, licence_number="GONE1", recruitment_status=Clinician.Recruitment.LEFT
    )
    result = tasks.nightly_register_check.call(reschedule=False)
    assert result["licences"] == {"withdrawn": 1, "valid": 1}
    assert Clinician.objects.get(staff__user=world.physician_spain).licence_status == "withdrawn"
    assert not LicenceCheck.objects.filter(clinician=gone).exists()


def test_the_next_run_is_two_at_night_in_stockholm():
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Stockholm")
    evening = datetime.datetime(2026, 12, 4, 22, 0, tzinfo=zone)
    assert tasks.next_run(evening) == datetime.datetime(2026, 12, 5, 2, 0, tzinfo=zone)
    night = datetime.datetime(2026, 12, 5, 1, 0, tzinfo=zone)
    assert tasks.next_run(night) == datetime.datetime(2026, 12, 5, 2, 0, tzinfo=zone)


def test_expiry_reminders_come_60_and_14_days_ahead_once_each(world):
    from django.core.files.base import ContentFile

    from digifys.clinicians.models import ClinicianDocument, ClinicianLanguage

    clinician = entry(world.physician_spain)
    today = timezone.localdate()
    document = ClinicianDocument(
        clinician=clinician,
        kind="licence",
        expires_on=today + datetime.timedelta(days=60),
        uploaded_by=world.coordinator,
    )
    document.file.save("l.pdf", ContentFile(b"%PDF-1.4"), save=True)
    ClinicianLanguage.objects.create(
        clinician=clinician,
        language="sv",
        level="B1",
        course_until=today + datetime.timedelta(days=90),
    )
    assert services.send_expiry_reminders(today=today) == 1  # the document, 60 days
    assert services.send_expiry_reminders(today=today) == 0  # once
    later = today + datetime.timedelta(days=30)  # course 60 days ahead, document 30
    assert services.send_expiry_reminders(today=later) == 1
    closer = today + datetime.timedelta(days=46)  # document 14 days ahead
    assert services.send_expiry_reminders(today=closer) == 1
    recipients = set(
        Notification.objects.filter(kind=Notification.Kind.DOCUMENT_EXPIRING).values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {world.coordinator.pk, world.physician_spain.pk}
    assert Notification.objects.filter(code="document_expiring").count() == 4
    assert Notification.objects.filter(code="language_course_ending").count() == 2


def test_the_nightly_chain_is_started_once(db):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    call_command("schedule_licence_checks")
    call_command("schedule_licence_checks")
    queued = DBTaskResult.objects.filter(task_path=tasks.nightly_register_check.module_path)
    assert queued.count() == 1
    assert queued.get().run_after == tasks.next_run(queued.get().enqueued_at)
