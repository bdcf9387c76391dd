"""Issue 12 §4 item 12: the administrator's product start page (not the raw Django admin)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from digifys.administration import health
from digifys.administration.tests.access_rows import a_failed_task
from digifys.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_administrator_lands_on_the_start_page_not_the_django_admin(world, login):
    client = login(world.administrator, language="en")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("administration:home")


def test_the_start_page_is_in_the_users_language(world, login):
    html = login(world.administrator, language="sv").get(reverse("administration:home"))
    text = html.content.decode()
    assert "Systemhälsa" in text and "Uppgiftskö" in text and "Användare" in text
    assert "System health" not in text
    text = login(world.administrator, language="es").get(reverse("administration:home"))
    assert "Estado del sistema" in text.content.decode()
    text = login(world.administrator, language="en").get(reverse("administration:home"))
    body = text.content.decode()
    assert "System health" in body
    # The Django admin stays reachable from it.
    assert reverse("admin:index") in body


def test_the_django_admin_shows_translated_app_names(world, login):
    text = login(world.administrator, language="sv").get(reverse("admin:index")).content.decode()
    for english in ("Tasks Database Backend", ">Accounts<", ">Careteams<", ">Vitals<"):
        assert english not in text
    assert "Bakgrundsjobb" in text
    assert "Vårdteam och behörighet" in text
    assert "Vitalparametrar" in text


def test_users_by_role_search_and_pagination(world, login, settings):
    settings.DIGIFYS_PAGE_SIZE = 2
    client = login(world.administrator, language="en")
    home = client.get(reverse("administration:home")).content.decode()
    assert "Registered nurse" in home and "Administrator" in home
    page = client.get(reverse("administration:users"), {"q": "anna"}).content.decode()
    assert world.nurse_mala.username in page
    assert world.physician_spain.username not in page
    first = client.get(reverse("administration:users")).content.decode()
    assert "Page 1 of" in first
    nurses = client.get(reverse("administration:users"), {"role": "nurse"}).content.decode()
    assert world.nurse_mala.username in nurses and world.coordinator.username not in nurses


def test_deactivating_a_user_needs_confirmation_and_is_logged(world, login):
    client = login(world.administrator, language="en")
    url = reverse("administration:user_active", args=[world.nurse_mala.pk])
    assert client.post(url, {}).status_code == 400
    world.nurse_mala.refresh_from_db()
    assert world.nurse_mala.is_active
    assert client.post(url, {"confirm": "on"}).status_code == 302
    world.nurse_mala.refresh_from_db()
    assert not world.nurse_mala.is_active
    entry = AuditEvent.objects.filter(object_type="user_account").get()
    assert entry.details == {"active": False} and entry.resident_id is None
    # Reactivating works the same way; the administrator cannot lock themself out.
    client.post(url, {"confirm": "on"})
    world.nurse_mala.refresh_from_db()
    assert world.nurse_mala.is_active
    own = reverse("administration:user_active", args=[world.administrator.pk])
    response = client.post(own, {"confirm": "on"})
    assert response.status_code == 400
    assert "your own account" in response.content.decode()


def test_health_reports_a_worker_that_takes_no_tasks(world, login):
    client = login(world.administrator, language="en")
    DBTaskResult.objects.create(
        status="READY",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="digifys.consults.tasks.sweep_overdue_consults",
        backend_name="default",
        queue_name="default",
        run_after=timezone.now() - datetime.timedelta(minutes=30),
    )
    checks = {c.key: c for c in health.all_checks()}
    assert checks["database"].ok
    assert checks["migrations"].ok
    assert not checks["task_worker"].ok
    assert "30 minutes" in checks["task_worker"].detail
    page = client.get(reverse("administration:home")).content.decode()
    assert 'id="check-task_worker" data-ok="false"' in page
    assert 'id="check-database" data-ok="true"' in page
    assert 'id="check-media"' in page and 'id="check-channel_layer"' in page
    assert 'id="check-audit"' in page


def test_failed_tasks_show_their_error_and_can_run_again(world, login):
    failed = a_failed_task()
    client = login(world.administrator, language="en")
    page = client.get(reverse("administration:tasks")).content.decode()
    assert "sweep_overdue_consults" in page
    assert "the database went away" in page
    response = client.post(reverse("administration:task_retry", args=[failed.pk]))
    assert response.status_code == 302
    assert DBTaskResult.objects.count() == 2
    assert DBTaskResult.objects.get(pk=failed.pk).status == "FAILED"  # kept


def test_roles_come_from_the_codes_role_lists(world, login):
    from digifys.administration.selectors import role_matrix
    from digifys.careteams.policy import EMERGENCY_ACCESS_ROLES

    matrix = role_matrix()
    (emergency,) = [r for r in matrix["rows"] if "EMERGENCY_ACCESS_ROLES" in r["source"]]
    assert [
        role for role, yes in zip(matrix["roles"], emergency["cells"], strict=True) if yes
    ] == list(EMERGENCY_ACCESS_ROLES)
    page = (
        login(world.administrator, language="en")
        .get(reverse("administration:roles"))
        .content.decode()
    )
    assert "Emergency access to a resident&#x27;s record" in page


def test_the_organisation_tree_and_the_audit_verification(world, login):
    client = login(world.administrator, language="en")
    page = client.get(reverse("administration:organisations")).content.decode()
    assert world.unit_mala.name in page
    result = client.post(reverse("administration:audit_verify")).content.decode()
    assert 'data-ok="true"' in result
