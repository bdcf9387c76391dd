"""The coordinator's planner pages: propose, review, edit inline, accept, re-plan; requests."""

import datetime

import pytest
from django.urls import reverse

from digifys.audit.models import AuditEvent
from digifys.scheduling import planning
from digifys.scheduling.models import Booking, Plan, PlanItem, WorkRequest

from .test_planning import _request, _vacation, planned, week  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _propose(client, week):  # noqa: F811
    response = client.post(reverse("scheduling:plans"), {"week_start": week.isoformat()})
    assert response.status_code == 302
    return Plan.objects.latest("created_at")


def test_propose_and_review_a_plan(login, planned, week):  # noqa: F811
    _vacation(planned.physician_spain.staff_profile, week, week + datetime.timedelta(days=6))
    _request(planned, planned.resident_mala, week)
    client = login(planned.coordinator, language="en")
    assert client.get(reverse("scheduling:plans")).status_code == 200
    plan = _propose(client, week)
    before = AuditEvent.objects.count()
    page = client.get(reverse("scheduling:plan", kwargs={"pk": plan.pk})).content.decode()
    assert "Greta Lind" in page
    assert "Carmen" in page and "→" in page  # the vacation → deputy explanation
    reads = AuditEvent.objects.order_by("seq")[before:]
    assert [(e.action, e.resident_id, e.purpose) for e in reads] == [
        ("read", planned.resident_mala.pk, "administration")
    ]
    filtered = client.get(
        reverse("scheduling:plan", kwargs={"pk": plan.pk}), {"tier": "named"}
    ).content.decode()
    assert "Greta Lind" not in filtered


def test_inline_edit_refuses_with_message_then_moves(login, planned, week):  # noqa: F811
    _request(planned, planned.resident_mala, week)
    client = login(planned.coordinator, language="en")
    plan = _propose(client, week)
    item = plan.items.get()
    url = reverse("scheduling:plan_item_edit", kwargs={"pk": item.pk})
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    david = planned.other_physician.staff_profile
    day = (week + datetime.timedelta(days=2)).isoformat()
    late = {"clinician": david.pk, "day": day, "starts_at": "21:00"}
    response = client.post(url, late, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "does not work" in response.content.decode()
    assert "21:00" in response.content.decode()  # what was typed is kept
    ok = {"clinician": david.pk, "day": day, "starts_at": "09:00"}
    response = client.post(url, ok, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f'id="item-{item.pk}"' in response.content.decode()
    item.refresh_from_db()
    assert item.clinician == david and item.tier == PlanItem.Tier.DEPUTY


def test_accept_with_confirmation_and_a_clear_failure(login, planned, week):  # noqa: F811
    _request(planned, planned.resident_mala, week)
    client = login(planned.coordinator, language="en")
    plan = _propose(client, week)
    url = reverse("scheduling:plan_accept", kwargs={"pk": plan.pk})
    assert "1 booking will be made" in client.get(url).content.decode()
    item = plan.items.get()
    clash = Booking.objects.create(
        kind=Booking.Kind.VIDEO,
        clinician=item.clinician,
        resident=planned.resident_storuman,
        unit=planned.unit_storuman,
        starts_at=item.starts_at,
        ends_at=item.ends_at,
        created_by=planned.coordinator,
    )
    response = client.post(url)
    assert response.status_code == 400
    assert "Nothing was booked" in response.content.decode()
    clash.delete()
    assert client.post(url).status_code == 302
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ACCEPTED
    assert Booking.objects.filter(resident=planned.resident_mala).count() == 1


def test_replan_from_the_page(login, planned, week):  # noqa: F811
    _request(planned, planned.resident_mala, week)
    client = login(planned.coordinator, language="en")
    plan = _propose(client, week)
    response = client.post(
        reverse("scheduling:plan_replan", kwargs={"pk": plan.pk}), {"reason": "Carmen ill"}
    )
    new = Plan.objects.latest("created_at")
    assert response.url == reverse("scheduling:plan", kwargs={"pk": new.pk})
    assert new.replanned_from == plan and new.reason == "Carmen ill"


@pytest.mark.parametrize(
    ("language", "text"),
    [("sv", "Frånvaro registrerad"), ("en", "Absence registered"), ("es", "Ausencia registrada")],
)
def test_a_replan_without_a_typed_reason_reads_in_the_readers_language(
    login,
    planned,  # noqa: F811
    week,  # noqa: F811
    language,
    text,
):
    """Issue 12 §4 item 5: the default reason is not stored in the coordinator's language."""
    _request(planned, planned.resident_mala, week)
    client = login(planned.coordinator, language="sv")
    plan = _propose(client, week)
    client.post(reverse("scheduling:plan_replan", kwargs={"pk": plan.pk}), {"reason": ""})
    new = Plan.objects.latest("created_at")
    assert new.replanned_from == plan and new.reason == ""
    page = login(planned.coordinator, language=language).get(
        reverse("scheduling:plan", kwargs={"pk": new.pk})
    )
    assert text in page.content.decode()


def test_nurse_sends_a_planning_request(login, planned, week):  # noqa: F811
    client = login(planned.nurse_mala, language="en")
    url = reverse("scheduling:work_request_new", kwargs={"resident_pk": planned.resident_mala.pk})
    data = {
        "kind": "family_meeting",
        "duration_minutes": 60,
        "earliest_on": week.isoformat(),
        "deadline_on": (week - datetime.timedelta(days=1)).isoformat(),
        "language": "sv",
        "note": "",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    data["deadline_on"] = (week + datetime.timedelta(days=4)).isoformat()
    assert client.post(url, data).status_code == 302
    request = WorkRequest.objects.get()
    assert (request.requested_by, request.status) == (planned.nurse_mala, "open")
    assert planning.build_problem(week_start=week)[0][0].id == f"request:{request.pk}"


def test_the_review_page_stays_cheap_for_a_big_plan(
    login,
    planned,  # noqa: F811
    week,  # noqa: F811
    django_assert_max_num_queries,
):
    """4,000 items, a third not placed, the rest over 16 physicians: the week calendar shows
    12 physicians a page and the open items 25 a page, in a bounded number of queries."""
    from digifys.testing.world import make_staff

    start = planning.horizon_start_of(week)
    plan = Plan.objects.create(week_start=week, horizon_start=start, created_by=planned.coordinator)
    spain = planned.physician_spain.staff_profile
    doctors = [
        make_staff(f"doc{n:02d}.big", "physician", spain.employer) for n in range(24)
    ]  # fmt: skip

    def placed(n):
        return n % 3 != 0

    def starts(n):  # weekdays 08:00-16:00, every physician's items one after the other
        slot = n // 24
        return start + datetime.timedelta(days=slot // 16 % 5, hours=8, minutes=30 * (slot % 16))

    PlanItem.objects.bulk_create(
        PlanItem(
            plan=plan,
            key=f"x:{n}",
            kind=PlanItem.Kind.MEDICATION_REVIEW,
            resident=(planned.resident_mala, planned.resident_mala_2)[n % 2],
            unit=planned.unit_mala,
            duration_minutes=30,
            earliest_at=start,
            deadline_at=start + datetime.timedelta(days=5),
            named=spain,
            clinician=doctors[n % 24] if placed(n) else None,
            starts_at=starts(n) if placed(n) else None,
            ends_at=starts(n) + datetime.timedelta(minutes=30) if placed(n) else None,
            tier=PlanItem.Tier.TEAM if placed(n) else "",
        )
        for n in range(4000)
    )
    client = login(planned.coordinator, language="en")
    with django_assert_max_num_queries(40):
        response = client.get(reverse("scheduling:plan", kwargs={"pk": plan.pk}))
    page = response.content.decode()
    assert "Page 1 of 2" in page  # 16 physicians with items, 12 a page
    assert "Page 1 of 54" in page  # 1,334 items not placed, 25 a page
    assert page.count('<tr>\n    <th scope="row">') == 12
    with_items = {doctors[n % 24] for n in range(4000) if placed(n)}
    shown = sorted(with_items, key=lambda d: d.user.first_name)[:12]
    on_page = plan.items.filter(clinician__in=shown).count()
    assert page.count("data-plan-entry") == 25 + on_page  # open items + 12 physicians' weeks


def test_the_edit_lists_physicians_by_relation_and_availability(login, planned, week):  # noqa: F811
    # Issue 12 §4 item 16: not 25 × "(Läkare)", but who is named, deputy, locum or absent.
    import re

    from digifys.directory.models import Organisation
    from digifys.testing.world import make_org, make_staff

    carmen = planned.physician_spain.staff_profile
    clinic = carmen.employer
    agency = make_org(Organisation.Kind.AGENCY, "Läkarbemanning AB", clinic.parent)
    centre = make_org(Organisation.Kind.HEALTH_CENTRE, "Malå hälsocentral", clinic.parent)
    locum = make_staff("lars.locum", "physician", agency, is_locum=True)
    other = make_staff("petra.other", "physician", centre)
    team = make_staff("olle.team", "physician", clinic)
    _vacation(carmen, week, week + datetime.timedelta(days=6))  # the named physician is away
    _request(planned, planned.resident_mala, week)
    client = login(planned.coordinator, language="en")
    plan = _propose(client, week)
    item = plan.items.get()
    page = client.get(reverse("scheduling:plan_item_edit", kwargs={"pk": item.pk}))
    select = re.search(r'<select name="clinician".*?</select>', page.content.decode(), re.S)
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group(0))
    david = planned.other_physician.staff_profile
    assert [int(pk) for pk, _label in options] == [david.pk, team.pk, other.pk, locum.pk, carmen.pk]
    labels = {int(pk): label for pk, label in options}
    assert labels[david.pk] == "David Doctor – Deputy"
    assert labels[team.pk] == "Olle Team – Same team"
    assert labels[other.pk] == "Petra Other"
    assert labels[locum.pk] == "Lars Locum – Locum"
    assert labels[carmen.pk] == "Carmen Doctor – Named physician, absent"
    assert "(Physician)" not in select.group(0)
    sv = login(planned.coordinator, language="sv").get(
        reverse("scheduling:plan_item_edit", kwargs={"pk": item.pk})
    )
    assert "Carmen Doctor – Fast läkarkontakt, frånvarande" in sv.content.decode()
