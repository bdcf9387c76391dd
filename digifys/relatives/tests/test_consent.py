"""Consent decides everything a relative sees (issue #13 §1).

The portal is read scope by scope from the consent in force on every request; the consent is kept
as history (a new row per change) and every change is in the access log.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.relatives import policy, services
from digifys.relatives.models import Consent, Scope, stockholm_today
from digifys.residents.models import Relative, Resident
from digifys.scheduling.models import Booking
from digifys.testing.world import give_consent, make_relative

pytestmark = pytest.mark.django_db

TODAY = stockholm_today


def _reads(before: int) -> list[AuditEvent]:
    return [e for e in AuditEvent.objects.order_by("seq")[before:] if e.action == "read"]


def _home(client) -> tuple[str, list[AuditEvent]]:
    before = AuditEvent.objects.count()
    response = client.get(reverse("relatives:home"))
    assert response.status_code == 200
    return response.content.decode(), _reads(before)


def _family_meeting(world, resident, when: datetime.datetime) -> Booking:
    from digifys.directory.models import StaffProfile

    return Booking.objects.create(
        kind=Booking.Kind.FAMILY_MEETING,
        clinician=StaffProfile.objects.get(user=world.physician_spain),
        resident=resident,
        unit=resident.unit,
        starts_at=when,
        ends_at=when + datetime.timedelta(minutes=45),
        created_by=world.nurse_mala,
    )


# --- The matrix: each scope alone, and every way of having no consent -------------------------


@pytest.mark.parametrize("scope", Scope.values)
def test_each_scope_alone_shows_the_resident_and_only_what_it_covers(world, login, scope):
    relative = make_relative(world.resident_mala, "olof.relative", "Olof", "Ny", "child")
    give_consent(relative, world.nurse_mala, [scope])
    _family_meeting(
        world, world.resident_mala, datetime.datetime(2099, 1, 5, 13, tzinfo=datetime.UTC)
    )

    page, reads = _home(login(relative.user, language="en"))

    assert "Greta Lind" in page
    assert [event.resident_id for event in reads] == [world.resident_mala.pk]
    assert ("Carmen Doctor" in page) is (scope == Scope.CARE_TEAM)
    assert ("Named physician" in page) is (scope == Scope.CARE_TEAM)
    assert ("Family meetings" in page) is (scope == Scope.MEETINGS)
    assert str(Scope(scope).label) in page  # "What you can see, and why"
    assert scopes_of(relative.user, world.resident_mala) == {scope}


def scopes_of(user, resident) -> set[str]:
    return set(policy.scopes_for(user, resident))


@pytest.mark.parametrize(
    ("persona", "explanation"),
    [
        ("relative_without", "No consent to share information with you has been registered"),
        ("relative_expired", "ran out on"),
        ("relative_revoked", "has been withdrawn"),
    ],
)
def test_without_a_consent_in_force_a_relative_sees_why_and_whom_to_call_never_data(
    world, login, persona, explanation
):
    world.unit_mala.phone = "+46953123456"
    world.unit_mala.save()
    page, reads = _home(login(world.persona(persona), language="en"))

    assert explanation in page
    assert "Avd 1 Björken" in page and "tel:+46-953-12-34-56" in page
    for resident in (world.resident_mala, world.resident_mala_2, world.resident_storuman):
        assert resident.family_name not in page
    assert "Carmen" not in page
    assert reads == []
    assert not Resident.objects.visible_to(world.persona(persona)).exists()
    assert policy.scopes_for(world.persona(persona), world.resident_mala) == frozenset()


def test_a_consent_that_has_not_begun_shows_nothing_yet(world, login):
    relative = make_relative(world.resident_mala, "olof.relative", "Olof", "Ny", "child")
    give_consent(
        relative, world.nurse_mala, Scope.values, given_on=TODAY() + datetime.timedelta(days=3)
    )
    page, reads = _home(login(relative.user, language="en"))
    assert "starts on" in page and "Greta" not in page and reads == []


def test_a_representative_status_grants_nothing_by_itself(world, login):
    relative = make_relative(world.resident_mala, "olof.relative", "Olof", "Ny", "other")
    relative.legal_representative = Relative.Representative.GOOD_MAN
    relative.save()
    page, reads = _home(login(relative.user, language="en"))
    assert "Greta" not in page and reads == []
    assert not Resident.objects.visible_to(relative.user).exists()


def test_a_relative_of_two_residents_sees_each_by_its_own_consent(world, login):
    relative = make_relative(world.resident_mala, "olof.relative", "Olof", "Ny", "child")
    give_consent(relative, world.nurse_mala, [Scope.CARE_TEAM])
    second = Relative.objects.create(
        resident=world.resident_storuman,
        user=relative.user,
        given_name="Olof",
        family_name="Ny",
        relationship="sibling",
    )
    page, reads = _home(login(relative.user, language="en"))
    assert "Greta Lind" in page and "Inga Berg" not in page
    assert "Avd 2 Tallen" in page  # whom to call about the other one
    assert [event.resident_id for event in reads] == [world.resident_mala.pk]

    give_consent(second, world.nurse_storuman, [Scope.UPDATES])
    page, reads = _home(login(relative.user, language="en"))
    assert "Greta Lind" in page and "Inga Berg" in page
    assert sorted(event.resident_id for event in reads) == sorted(
        [world.resident_mala.pk, world.resident_storuman.pk]
    )
    # Storuman's consent shares updates only: no care team for that resident.
    assert policy.scopes_for(relative.user, world.resident_storuman) == {Scope.UPDATES}
    assert policy.scopes_for(relative.user, world.resident_mala) == {Scope.CARE_TEAM}


def test_the_relative_of_another_resident_sees_only_their_own(world, login):
    page, reads = _home(login(world.relative_other, language="en"))
    assert "Inga Berg" in page and "Greta" not in page and "Helge" not in page
    assert [event.resident_id for event in reads] == [world.resident_storuman.pk]
    assert list(Resident.objects.visible_to(world.relative_other)) == [world.resident_storuman]


def test_a_narrow_consent_shows_no_care_team(world, login):
    page, _ = _home(login(world.relative_scoped, language="en"))
    assert "Helge Nord" in page and "Carmen" not in page and "Family meetings" not in page


# --- Revocation during a session ---------------------------------------------------------------


def test_revoking_consent_during_a_relatives_session_hides_everything_on_the_next_request(
    world, client, login
):
    relative_client = login(world.relative_with_consent, language="en")
    page, reads = _home(relative_client)
    assert "Greta Lind" in page and "Carmen Doctor" in page and len(reads) == 1

    # The nurse revokes it from the resident page, in another session.
    from django.test import Client

    from digifys.testing.accounts import complete_second_factor

    nurse = Client()
    nurse.force_login(world.nurse_mala)
    complete_second_factor(nurse, world.nurse_mala)
    gustav = world.resident_mala.relatives.get(user=world.relative_with_consent)
    response = nurse.post(
        reverse("relatives:revoke", args=[gustav.pk]), {"reason": "Greta asked for it today."}
    )
    assert response.status_code == 302

    page, reads = _home(relative_client)  # the same session, next request
    assert "Greta" not in page and "Carmen" not in page and "has been withdrawn" in page
    assert reads == []
    assert (
        relative_client.get(reverse("residents:detail", args=[world.resident_mala.pk])).status_code
        == 302
    )


# --- Services: history, logging, who may --------------------------------------------------------


def _record(actor, relative, **overrides):
    fields = {
        "basis": Consent.Basis.RESIDENT,
        "scopes": [Scope.CARE_TEAM, Scope.UPDATES],
        "given_on": TODAY(),
        "review_on": TODAY() + datetime.timedelta(days=180),
    }
    fields.update(overrides)
    return services.record_consent(actor=actor, relative=relative, **fields)


def test_every_change_is_a_new_row_and_in_the_access_log(world):
    relative = make_relative(world.resident_mala, "olof.relative", "Olof", "Ny", "child")
    before = AuditEvent.objects.count()
    first = _record(world.nurse_mala, relative)
    second = _record(world.physician_spain, relative, scopes=[Scope.MESSAGES])
    third = services.revoke_consent(
        actor=world.coordinator, relative=relative, reason="Asked by Greta"
    )

    assert [c.event for c in Consent.objects.filter(relative=relative).order_by("pk")] == [
        "given",
        "changed",
        "revoked",
    ]
    first.refresh_from_db()
    assert first.scopes == {Scope.CARE_TEAM, Scope.UPDATES}  # never overwritten
    assert Consent.objects.filter(relative=relative).current().get() == third
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("create", "relative_consent", str(first.pk)),
        ("update", "relative_consent", str(second.pk)),
        ("update", "relative_consent", str(third.pk)),
    ]
    assert events[1].details["scopes"] == ["messages"]
    assert (
        events[2].details["event"] == "revoked" and events[2].resident_id == world.resident_mala.pk
    )
    assert {e.actor_id for e in events} == {
        world.nurse_mala.pk,
        world.physician_spain.pk,
        world.coordinator.pk,
    }


def test_a_harm_assessment_names_the_licensed_clinician_and_the_grounds(world):
    relative = make_relative(world.resident_mala, "olof.relative", "Olof", "Ny", "child")
    with pytest.raises(ValidationError) as error:
        _record(world.nurse_mala, relative, basis=Consent.Basis.HARM_ASSESSMENT)
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _record(world.coordinator, relative, basis=Consent.Basis.HARM_ASSESSMENT, reason="x")
    assert "basis" in error.value.message_dict
    consent = _record(
        world.physician_spain,
        relative,
        basis=Consent.Basis.HARM_ASSESSMENT,
        reason="Advanced dementia; has always wanted her son told.",
    )
    assert consent.assessed_by.user == world.physician_spain
    assert not Consent.objects.filter(relative=relative).exclude(pk=consent.pk).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["everything"]}, "scopes"),
        ({"given_on": TODAY() + datetime.timedelta(days=1)}, "given_on"),
        ({"valid_until": TODAY() - datetime.timedelta(days=1)}, "valid_until"),
        ({"review_on": TODAY() - datetime.timedelta(days=400)}, "review_on"),
    ],
)
def test_bad_consent_is_refused_and_nothing_is_saved(world, overrides, field):
    relative = make_relative(world.resident_mala, "olof.relative", "Olof", "Ny", "child")
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        _record(world.nurse_mala, relative, **overrides)
    assert field in error.value.message_dict
    assert not Consent.objects.filter(relative=relative).exists()
    assert AuditEvent.objects.count() == before


def test_only_staff_who_see_the_resident_and_may_record_do(world):
    relative = make_relative(world.resident_mala, "olof.relative", "Olof", "Ny", "child")
    with pytest.raises(ValidationError):
        _record(world.nurse_storuman, relative)  # another unit's nurse
    with pytest.raises(PermissionDenied):
        _record(world.relative_with_consent, relative)
    with pytest.raises(ValidationError):
        services.revoke_consent(actor=world.nurse_mala, relative=relative, reason="x")
    assert not Consent.objects.filter(relative=relative).exists()


# --- Staff pages ---------------------------------------------------------------------------------


def test_staff_register_a_consent_from_the_form_and_errors_keep_what_was_typed(world, login):
    relative = make_relative(world.resident_mala, "olof.relative", "Olof", "Ny", "child")
    client = login(world.nurse_mala, language="en")
    url = reverse("relatives:record", args=[relative.pk])
    data = {
        "basis": "harm_assessment",
        "scopes": ["care_team", "meetings"],
        "given_on": TODAY().isoformat(),
        "review_on": (TODAY() + datetime.timedelta(days=90)).isoformat(),
        "reason": "",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Write down the grounds of the harm assessment." in page
    assert 'value="meetings" id="id_scopes_3" checked' in page  # nothing typed is lost
    assert not Consent.objects.filter(relative=relative).exists()

    data["reason"] = "Cannot consent; no sign she would object."
    response = client.post(url, data)
    assert response.status_code == 302
    consent = Consent.objects.get(relative=relative)
    assert consent.scopes == {"care_team", "meetings"}
    assert consent.assessed_by.user == world.nurse_mala
    assert policy.scopes_for(relative.user, world.resident_mala) == {"care_team", "meetings"}

    history = client.get(reverse("relatives:consents", args=[world.resident_mala.pk]))
    assert "Cannot consent; no sign she would object." in history.content.decode()


def test_assistant_nurses_read_consents_but_do_not_record_them(world, login):
    from digifys.directory.models import StaffProfile
    from digifys.testing.world import make_staff

    staff = make_staff(
        "olga.assistant", "assistant_nurse", world.unit_mala.parent, units=[world.unit_mala]
    )
    assert isinstance(staff, StaffProfile)
    client = login(staff.user, language="en")
    assert (
        client.get(reverse("relatives:consents", args=[world.resident_mala.pk])).status_code == 200
    )
    gustav = world.resident_mala.relatives.get(user=world.relative_with_consent)
    assert client.get(reverse("relatives:record", args=[gustav.pk])).status_code == 403
    assert client.get(reverse("relatives:revoke", args=[gustav.pk])).status_code == 403


def _render_tag(user, resident) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load relatives %}{% resident_consents resident %}")
    return template.render(Context({"request": request, "resident": resident}))


def test_the_resident_page_section_lists_each_relatives_consent_and_logs_nothing(world):
    before = AuditEvent.objects.count()
    html = _render_tag(world.nurse_mala, world.resident_mala)
    assert "Gustav Lind" in html and "In force" in html
    assert "Karin Vik" in html and "Ran out" in html
    assert "Lars Holm" in html and "Revoked" in html
    assert reverse("relatives:consents", args=[world.resident_mala.pk]) in html
    assert AuditEvent.objects.count() == before
    assert _render_tag(world.relative_with_consent, world.resident_mala).strip() == ""
    assert "Gustav" not in _render_tag(world.nurse_storuman, world.resident_mala)


@pytest.mark.parametrize(
    "data",
    [
        {"given_on": "9999-12-31", "review_on": "0001-01-01"},
        {"given_on": "٢٠٢٦-٠١-٠١", "scopes": ["care_team"], "basis": "resident"},
        {"scopes": ["x" * 5000], "basis": "nobody", "valid_until": "2026-02-30"},
        {"reason": "x" * 5000, "basis": "harm_assessment", "scopes": ["updates"]},
        {},
    ],
)
def test_hostile_consent_input_is_refused_with_a_message_never_a_server_error(world, login, data):
    client = login(world.nurse_mala, language="en")
    gustav = world.resident_mala.relatives.get(user=world.relative_with_consent)
    before = Consent.objects.count()
    response = client.post(reverse("relatives:record", args=[gustav.pk]), data)
    assert response.status_code == 400
    response = client.post(reverse("relatives:revoke", args=[gustav.pk]), {"reason": "y" * 5000})
    assert response.status_code == 400
    assert Consent.objects.count() == before
