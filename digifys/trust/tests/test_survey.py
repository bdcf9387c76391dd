"""The trust survey (issue #13 §4): schedule, anonymity of answers, small cells suppressed."""

import datetime

import pytest
from django.db import models
from django.urls import reverse

from digifys.notifications.models import Notification
from digifys.relatives.models import Consent, ResidentLogin, Scope
from digifys.testing.world import give_consent, make_relative, make_resident
from digifys.trust import selectors, services
from digifys.trust.models import MIN_CELL, RESIDENT, Answer, Invitation, Item

pytestmark = pytest.mark.django_db

SCORES = dict.fromkeys(Item.values, 4)


def _only(world, consent_given_on):
    """One relative (Gustav) with a consent given on CONSENT_GIVEN_ON; every other consent off."""
    Consent.objects.exclude(relative__user=world.relative_with_consent).delete()
    ResidentLogin.objects.all().delete()
    Consent.objects.filter(relative__user=world.relative_with_consent).update(
        given_on=consent_given_on
    )


# --- Schedule -------------------------------------------------------------------------------


def test_every_three_months_per_consent_and_never_twice(world):
    _only(world, datetime.date(2026, 1, 15))
    assert services.send_invitations(datetime.date(2026, 4, 14)) == 0  # not yet 3 months
    assert services.send_invitations(datetime.date(2026, 4, 15)) == 1
    assert services.send_invitations(datetime.date(2026, 4, 15)) == 0  # the same day again
    assert services.send_invitations(datetime.date(2026, 5, 1)) == 0  # later in the round
    assert services.send_invitations(datetime.date(2026, 7, 15)) == 1  # the next round
    rounds = list(Invitation.objects.order_by("round_start").values_list("round_start", flat=True))
    assert rounds == [datetime.date(2026, 4, 15), datetime.date(2026, 7, 15)]


def test_a_changed_consent_does_not_ask_again_within_the_round(world):
    _only(world, datetime.date(2026, 1, 15))
    assert services.send_invitations(datetime.date(2026, 4, 15)) == 1
    # A new consent row given a few days later has rounds of its own, but not so soon.
    current = Consent.objects.of_user(world.relative_with_consent).current().get()
    give_consent(
        current.relative,
        world.nurse_mala,
        Scope.values,
        given_on=datetime.date(2026, 1, 20),
        event=Consent.Event.CHANGED,
    )
    Consent.objects.filter(pk=current.pk).update(
        recorded_at=datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)
    )
    assert services.send_invitations(datetime.date(2026, 4, 20)) == 0


def test_no_consent_in_force_no_invitation(world):
    # Consents given 2020-01-01: a round begins 2027-01-01. Only consents in force ask.
    services.send_invitations(datetime.date(2027, 1, 3))
    asked = set(Invitation.objects.values_list("recipient__username", flat=True))
    assert "karin.relative" not in asked and "lars.relative" not in asked  # expired, revoked
    assert "harriet.relative" not in asked  # no consent
    assert {"gustav.relative", "jonas.relative", "maja.relative"} <= asked


def test_a_resident_with_a_login_is_asked_too(world):
    _only(world, datetime.date(2030, 1, 1))  # Gustav's consent not begun: not asked
    ResidentLogin.objects.create(
        user=world.resident_self,
        resident=world.resident_mala,
        created_at=datetime.datetime(2026, 1, 10, 12, tzinfo=datetime.UTC),
    )
    assert services.send_invitations(datetime.date(2026, 4, 10)) == 1
    invitation = Invitation.objects.get()
    assert (invitation.recipient, invitation.relationship) == (world.resident_self, RESIDENT)


def test_the_notification_says_nothing_about_the_resident(world):
    _only(world, datetime.date(2026, 1, 15))
    services.send_invitations(datetime.date(2026, 4, 15))
    (note,) = Notification.objects.filter(recipient=world.relative_with_consent)
    assert note.kind == Notification.Kind.SURVEY and note.code == "trust_survey"
    assert note.params == {"unit": "Avd 1 Björken"}
    assert "Greta" not in note.text and "Lind" not in note.text
    assert note.link == reverse("trust:answer", args=[Invitation.objects.get().pk])


def test_the_task_runs_the_schedule(world):
    from digifys.relatives.models import stockholm_today
    from digifys.trust.services import add_months
    from digifys.trust.tasks import send_survey_invitations

    _only(world, add_months(stockholm_today(), -3))
    assert send_survey_invitations.call() == 1
    assert send_survey_invitations.call() == 0


# --- Answering and anonymity -------------------------------------------------------------------


def _invite(world, user=None, relative=None, unit=None):
    relative = relative or world.resident_mala.relatives.get(user=world.relative_with_consent)
    today = datetime.date.today()
    return Invitation.objects.create(
        recipient=user or relative.user,
        relative=relative,
        unit=unit or relative.resident.unit,
        relationship=relative.relationship,
        round_start=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=29),
    )


def test_the_answer_row_cannot_be_joined_back_to_the_respondent(world):
    fields = {field.name for field in Answer._meta.get_fields()}
    assert fields == {
        "id",
        "unit",
        "municipality",
        "month",
        "relationship",
        "comment",
        *Item.values,
    }
    for field in Answer._meta.get_fields():
        if field.is_relation:
            assert field.related_model._meta.label == "directory.Organisation"
        assert not isinstance(field, models.DateTimeField)
    assert isinstance(Answer._meta.pk, models.UUIDField)
    invitation_fields = {field.name for field in Invitation._meta.get_fields()}
    assert "answered" in invitation_fields
    assert not any("answer" in name and name != "answered" for name in invitation_fields)
    assert not isinstance(Invitation._meta.get_field("answered"), models.DateTimeField)


def test_submitting_stores_only_unit_month_relationship_and_marks_the_invitation(world, login):
    invitation = _invite(world)
    client = login(world.relative_with_consent, language="en")
    data = {**SCORES, "trusts_care": 2, "comment": "  Bra personal  "}
    response = client.post(reverse("trust:answer", args=[invitation.pk]), data)
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.answered is True
    (answer,) = Answer.objects.all()
    assert answer.unit == world.unit_mala and answer.municipality == world.mala
    assert answer.month.day == 1 and answer.relationship == "child"
    assert (answer.trusts_care, answer.knows_doctor, answer.comment) == (2, 4, "Bra personal")
    # Answered once: the page is gone, a second post changes nothing.
    again = client.post(reverse("trust:answer", args=[invitation.pk]), data)
    assert again.status_code == 404 and Answer.objects.count() == 1


def test_two_answers_of_one_unit_and_month_are_indistinguishable_by_respondent(world, login):
    other = make_relative(world.resident_mala, "olle.relative", "Olle", "Lind", "child")
    give_consent(other, world.nurse_mala, Scope.values)
    first, second = _invite(world), _invite(world, relative=other)
    login(world.relative_with_consent).post(reverse("trust:answer", args=[first.pk]), SCORES)
    login(other.user).post(reverse("trust:answer", args=[second.pk]), {**SCORES, "better": 1})
    rows = list(Answer.objects.values("unit", "municipality", "month", "relationship"))
    assert len(rows) == 2 and rows[0] == rows[1]  # nothing but the scores tell them apart


def test_a_missing_score_keeps_what_was_typed_and_saves_nothing(world, login):
    invitation = _invite(world)
    client = login(world.relative_with_consent, language="en")
    data = {**SCORES, "comment": "Mitt svar"}
    del data["reaches_team"]
    response = client.post(reverse("trust:answer", args=[invitation.pk]), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose a number from 1 to 5." in text and "Mitt svar" in text
    assert not Answer.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered is False


def test_someone_elses_invitation_is_not_found(world, login):
    invitation = _invite(world)
    client = login(world.relative_scoped)
    assert client.get(reverse("trust:answer", args=[invitation.pk])).status_code == 404
    assert client.post(reverse("trust:answer", args=[invitation.pk]), SCORES).status_code == 404


def test_the_portal_shows_an_open_invitation(world, login):
    invitation = _invite(world)
    page = login(world.relative_with_consent).get(reverse("relatives:home")).content.decode()
    assert reverse("trust:answer", args=[invitation.pk]) in page


# --- Results: small cells suppressed ------------------------------------------------------------


def _answers(unit, month, count, score=4):
    for _ in range(count):
        Answer.objects.create(
            unit=unit,
            municipality_id=unit.municipality_id,
            month=month,
            relationship="child",
            comment=f"kommentar {month:%Y-%m}",
            **dict.fromkeys(Item.values, score),
        )


def test_cells_under_five_answers_are_suppressed_in_page_and_csv(world, login):
    months = selectors.months()
    big, small = months[-2], months[-1]
    _answers(world.unit_mala, big, MIN_CELL, score=4)
    _answers(world.unit_mala, small, MIN_CELL - 1, score=1)
    client = login(world.coordinator, language="en")
    query = {"where": f"u{world.unit_mala.pk}"}
    page = client.get(reverse("trust:results"), query).content.decode()
    assert "Fewer than 5 answers: not shown" in page
    assert "4.0" in page and "1.0" not in page
    assert f"kommentar {big:%Y-%m}" in page and f"kommentar {small:%Y-%m}" not in page
    assert 'id="trust-chart-data"' in page
    csv = client.get(reverse("trust:results_csv"), query).content.decode()
    assert f"{big:%Y-%m};5;4,0;4,0;4,0;4,0;4,0" in csv
    assert f"{small:%Y-%m};fewer than 5;;;;;" in csv
    assert "1,0" not in csv


def test_municipality_results_add_up_the_units(world, login):
    month = selectors.months()[-1]
    home = world.unit_mala.parent
    from digifys.testing.world import make_org

    unit_b = make_org("unit", "Avd 3 Linden", home, municipality=world.mala)
    _answers(world.unit_mala, month, 3)
    _answers(unit_b, month, 2)
    cells = selectors.results(municipality=world.mala)
    assert cells[-1].count == 5 and cells[-1].shown
    assert not selectors.results(unit=unit_b)[-1].shown


def test_unit_staff_see_only_their_units_and_no_municipality(world, login):
    month = selectors.months()[-1]
    _answers(world.unit_storuman, month, 6)
    client = login(world.nurse_mala, language="en")
    page = client.get(reverse("trust:results"), {"where": f"u{world.unit_storuman.pk}"})
    text = page.content.decode()
    assert "Avd 2 Tallen" not in text  # not offered, not shown
    assert "Avd 1 Björken" in text
    assert f'value="m{world.storuman.pk}"' not in text
    csv = client.get(reverse("trust:results_csv"), {"where": f"m{world.storuman.pk}"})
    assert f"{month:%Y-%m};6" not in csv.content.decode()


def test_a_resident_gets_the_resident_wording(world, login):
    login_row = ResidentLogin.objects.get(user=world.resident_self)
    today = datetime.date.today()
    invitation = Invitation.objects.create(
        recipient=world.resident_self,
        resident_login=login_row,
        unit=world.unit_mala,
        relationship=RESIDENT,
        round_start=today,
        closes_on=today,
    )
    page = login(world.resident_self, language="en").get(
        reverse("trust:answer", args=[invitation.pk])
    )
    assert "I trust the care I get." in page.content.decode()
    assert (
        reverse("trust:answer", args=[invitation.pk])
        in login(world.resident_self).get(reverse("relatives:me")).content.decode()
    )


def test_make_resident_unused_guard(world):
    # A resident on another unit with no login is never asked.
    make_resident(world.unit_storuman)
    services.send_invitations(datetime.date(2026, 12, 4))
    assert (
        not Invitation.objects.filter(resident_login__isnull=False)
        .exclude(recipient=world.resident_self)
        .exists()
    )


def test_month_names_are_month_names(world, login):
    # "May" the permission (administration's roles page) once overrode Django's month name.
    page = login(world.coordinator, language="sv").get(reverse("trust:results")).content.decode()
    assert "maj 20" in page and "Får 20" not in page


def test_the_results_open_on_a_unit_with_something_to_show(world, login):
    month = selectors.months()[-1]
    _answers(world.unit_storuman, month, MIN_CELL)  # Blå Vägen sorts before Malåhemmet
    _answers(world.unit_mala, month, 2)
    page = login(world.coordinator, language="en").get(reverse("trust:results")).content.decode()
    assert "<h2>Blå Vägen – Avd 2 Tallen</h2>" in page
    Answer.objects.filter(unit=world.unit_storuman).delete()
    _answers(world.unit_mala, month, 3)
    page = login(world.coordinator, language="en").get(reverse("trust:results")).content.decode()
    assert "<h2>Malåhemmet – Avd 1 Björken</h2>" in page
