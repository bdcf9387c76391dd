"""Staff never log in by e-mailed code, and their first authenticator app needs an enrolment code.

Issue 20 item 3: a code mailed to a nurse's address, or a password alone, let whoever came first
set up an authenticator app of their choosing and read residents.
"""

import datetime
import re

import pytest
from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from digifys.accounts import services
from digifys.accounts.models import EnrolmentCode
from digifys.audit.models import AuditEvent
from digifys.testing.accounts import totp_code
from digifys.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _password_login(client, user):
    client.cookies["django_language"] = "en"
    return client.post(reverse("accounts:login"), {"login": user.username, "password": PASSWORD})


def _setup(client, *, enrolment_code: str | None):
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    data = {"code": totp_code(secret)}
    if enrolment_code is not None:
        data["enrolment_code"] = enrolment_code
    return client.post(reverse("mfa_activate_totp"), data)


def _resident_page(world):
    return reverse("residents:detail", kwargs={"pk": world.resident_mala.pk})


def test_a_staff_member_gets_no_login_code_by_email(world, client):
    world.nurse_mala.email = "anna@example.test"
    world.nurse_mala.save()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("account_request_login_code"), {"email": "anna@example.test"})
    # The same answer as for an unknown address, and no mail.
    assert response.url == reverse("account_confirm_login_code")
    assert mail.outbox == []
    response = client.post(reverse("account_confirm_login_code"), {"code": "ABC123"})
    assert "_auth_user_id" not in client.session


def test_a_staff_login_by_code_is_refused_even_when_a_code_was_sent(world, client):
    # Defence in depth: a code sent by some other path still does not log a nurse in.
    world.nurse_mala.email = "anna@example.test"
    world.nurse_mala.save()
    client.cookies["django_language"] = "en"
    client.get(reverse("account_request_login_code"))
    request = RequestFactory().post("/")
    request.session = client.session
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    from allauth.core import context

    with context.request_context(request):
        LoginCodeVerificationProcess.initiate(
            request=request, user=world.nurse_mala, email="anna@example.test"
        )
    request.session.save()
    code = re.search(r"^([A-Z0-9-]{6,})$", mail.outbox[0].body, re.MULTILINE).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert "_auth_user_id" not in client.session
    assert client.get(_resident_page(world)).status_code == 302
    assert response.status_code in (200, 302)


def test_a_first_enrolment_without_an_enrolment_code_is_refused(world, client):
    _password_login(client, world.nurse_mala)
    response = _setup(client, enrolment_code=None)
    assert response.status_code == 200
    assert "Ask your care coordinator or administrator" in response.content.decode()
    assert not Authenticator.objects.filter(user=world.nurse_mala).exists()
    assert client.get(_resident_page(world)).url == reverse("mfa_activate_totp")

    response = _setup(client, enrolment_code="ABCD-EFGH-JKMN")
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=world.nurse_mala).exists()


def test_a_first_enrolment_with_the_coordinators_code_works_once(
    world, client, django_capture_on_commit_callbacks
):
    code = services.issue_enrolment_code(actor=world.coordinator, user=world.nurse_mala)
    stored = EnrolmentCode.objects.get(user=world.nurse_mala)
    assert code.replace("-", "") not in stored.code_hash  # stored hashed
    issued = AuditEvent.objects.filter(object_type="enrolment_code", action="create").get()
    assert (issued.actor_id, issued.details["user"]) == (world.coordinator.pk, world.nurse_mala.pk)

    _password_login(client, world.nurse_mala)
    with django_capture_on_commit_callbacks(execute=True):
        response = _setup(client, enrolment_code=code.lower())
    assert response.url == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=world.nurse_mala, type="totp").exists()
    assert client.get(_resident_page(world)).status_code == 200
    stored.refresh_from_db()
    assert stored.used_at is not None
    assert AuditEvent.objects.filter(
        object_type="enrolment_code", action="update", actor=world.nurse_mala
    ).exists()
    assert not services.redeem_enrolment_code(user=world.nurse_mala, code=code)  # once only


def test_an_expired_enrolment_code_is_refused(world, client, settings):
    code = services.issue_enrolment_code(actor=world.coordinator, user=world.nurse_mala)
    EnrolmentCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    _password_login(client, world.nurse_mala)
    response = _setup(client, enrolment_code=code)
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=world.nurse_mala).exists()


def test_a_new_code_replaces_the_previous_one(world):
    first = services.issue_enrolment_code(actor=world.coordinator, user=world.nurse_mala)
    second = services.issue_enrolment_code(actor=world.administrator, user=world.nurse_mala)
    assert not services.redeem_enrolment_code(user=world.nurse_mala, code=first)
    assert services.redeem_enrolment_code(user=world.nurse_mala, code=second)


@pytest.mark.parametrize(
    ("actor", "user"),
    [
        ("nurse_mala", "nurse_storuman"),  # only coordinators and administrators issue codes
        ("physician_spain", "nurse_mala"),
        ("coordinator", "coordinator"),  # nobody issues their own
        ("administrator", "administrator"),
        ("coordinator", "administrator"),  # a coordinator cannot take over an administrator
    ],
)
def test_who_may_issue_an_enrolment_code(world, actor, user):
    with pytest.raises(PermissionDenied):
        services.issue_enrolment_code(actor=world.persona(actor), user=world.persona(user))
    assert not EnrolmentCode.objects.exists()


def test_the_coordinator_issues_a_code_on_the_enrolment_page_and_sees_it_once(world, login):
    client = login(world.coordinator, language="en")
    page = client.get(reverse("accounts:enrolment_codes")).content.decode()
    assert world.nurse_mala.get_full_name() in page
    response = client.post(reverse("accounts:enrolment_codes"), {"user": world.nurse_mala.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    shown = re.search(r'id="enrolment-code"[^>]*>([A-Z0-9-]+)<', response.content.decode())[1]
    assert services.redeem_enrolment_code(user=world.nurse_mala, code=shown)
    assert shown not in client.get(reverse("accounts:enrolment_codes")).content.decode()


def test_the_enrolment_page_is_for_coordinators_and_administrators(world, login):
    client = login(world.nurse_mala, language="en")
    assert client.get(reverse("accounts:enrolment_codes")).status_code == 403
    response = client.post(reverse("accounts:enrolment_codes"), {"user": world.nurse_storuman.pk})
    assert response.status_code == 403
    assert not EnrolmentCode.objects.exists()


def test_a_relative_still_logs_in_by_code(world, client):
    world.relative_with_consent.email = "gustav.lind@example.test"
    world.relative_with_consent.save()
    client.cookies["django_language"] = "en"
    client.post(reverse("account_request_login_code"), {"email": "gustav.lind@example.test"})
    code = re.search(r"^([A-Z0-9-]{6,})$", mail.outbox[0].body, re.MULTILINE).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.url == reverse("home")


def test_the_demo_enrolment_code_works_only_in_demo_mode(world, settings):
    from digifys.accounts.services import DEMO_ENROLMENT_CODE

    assert not services.redeem_enrolment_code(user=world.nurse_mala, code=DEMO_ENROLMENT_CODE)
    settings.DEMO = True
    assert services.redeem_enrolment_code(user=world.nurse_mala, code=DEMO_ENROLMENT_CODE)


def test_the_demo_prints_how_staff_enrol(world):
    from io import StringIO

    from digifys.accounts.services import DEMO_ENROLMENT_CODE
    from digifys.synth.management.commands.synth_region import Command
    from digifys.synth.region import Login

    command = Command(stdout=StringIO())
    command._print_logins([Login(role="nurse", username="a", name="A", detail="")])
    assert DEMO_ENROLMENT_CODE in command.stdout._out.getvalue()


def test_whoever_sent_the_password_link_cannot_also_issue_the_enrolment_code(world, rf):
    from django.contrib.messages.storage.fallback import FallbackStorage

    world.nurse_mala.email = "anna@example.test"
    world.nurse_mala.save()
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    services.send_password_reset_link(
        actor=world.administrator, user=world.nurse_mala, request=request
    )
    with pytest.raises(PermissionDenied):
        services.issue_enrolment_code(actor=world.administrator, user=world.nurse_mala)
    code = services.issue_enrolment_code(actor=world.coordinator, user=world.nurse_mala)
    assert code


def test_whoever_issued_the_enrolment_code_cannot_also_send_the_password_link(world, rf):
    from django.core.exceptions import ValidationError

    world.nurse_mala.email = "anna@example.test"
    world.nurse_mala.save()
    services.issue_enrolment_code(actor=world.administrator, user=world.nurse_mala)
    with pytest.raises(ValidationError):
        services.send_password_reset_link(
            actor=world.administrator, user=world.nurse_mala, request=rf.post("/")
        )
    assert mail.outbox == []
