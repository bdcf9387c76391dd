"""Dates and numbers far out of range get a clear message, never a 500 (issue #20 item 13)."""

import pytest
from django.urls import reverse

from digifys.consults.tests.builders import send
from digifys.scheduling.tests.access_rows import _a_plan

HUGE = "99999999999999999999"


def _cases(world):
    resident = world.resident_mala.pk
    extract = reverse("audit:extract", args=[resident])
    plan, _ = _a_plan(world)
    consult = send(world)
    vitals = {"respiratory_rate": "18", "pulse": "80", "systolic_bp": "120"}
    return [
        ("coordinator", "get", f"{extract}?since=9999-12-31", {}),
        ("coordinator", "get", f"{extract}?since=0001-01-01", {}),
        ("coordinator", "get", f"{extract}?until=9999-12-31", {}),
        ("coordinator", "get", f"{extract}?until=0001-01-01", {}),
        (
            "coordinator",
            "get",
            reverse("audit:extract_pdf", args=[resident]) + "?since=0001-01-01",
            {},
        ),
        ("coordinator", "get", reverse("insights:continuity") + "?cutover=0001-01-01", {}),
        ("coordinator", "get", reverse("insights:continuity") + "?cutover=9999-12-31", {}),
        ("coordinator", "get", reverse("scheduling:plan", args=[plan.pk]) + f"?unit={HUGE}", {}),
        ("nurse_mala", "post", reverse("notifications:read"), {"ids": HUGE}),
        (
            "nurse_mala",
            "post",
            reverse("vitals:record", args=[resident]),
            {**vitals, "measured_at": "0001-01-01T00:00"},
        ),
        (
            "nurse_mala",
            "post",
            reverse("vitals:record", args=[resident]),
            {**vitals, "measured_at": "9999-12-31T23:59"},
        ),
        (
            "nurse_mala",
            "post",
            reverse("vitals:preview", args=[resident]),
            {**vitals, "measured_at": "0001-01-01T00:00"},
        ),
        (
            "physician_spain",
            "post",
            reverse("scheduling:book", args=[resident]),
            {
                "clinician": world.physician_spain.staff_profile.pk,
                "kind": "video",
                "day": "9999-12-31",
                "starts_at": "23:30",
                "duration": "30",
            },
        ),
        (
            "physician_spain",
            "post",
            reverse("scheduling:book", args=[resident]),
            {
                "clinician": world.physician_spain.staff_profile.pk,
                "kind": "video",
                "day": "0001-01-01",
                "starts_at": "00:00",
                "duration": "30",
            },
        ),
        (
            "physician_spain",
            "post",
            reverse("orders:new", args=[consult.pk]),
            {
                "kind": "vitals",
                "instructions": "Mät.",
                "first_due_date": "9999-12-31",
                "first_due_time": "23:00",
            },
        ),
        (
            "physician_spain",
            "post",
            reverse("orders:new", args=[consult.pk]),
            {
                "kind": "vitals",
                "instructions": "Mät.",
                "first_due_date": "0001-01-01",
                "first_due_time": "00:00",
                "every_hours": "1",
                "for_days": HUGE,
            },
        ),
        ("coordinator", "post", reverse("scheduling:plans"), {"week_start": "0001-01-01"}),
        ("coordinator", "post", reverse("scheduling:plans"), {"week_start": "9999-12-27"}),
        (
            "coordinator",
            "post",
            reverse("audit:reviews"),
            {"period_start": "0001-01-01", "period_end": "0001-01-01", "sample_size": "5"},
        ),
        (
            "coordinator",
            "post",
            reverse("audit:reviews"),
            {"period_start": "9999-12-31", "period_end": "9999-12-31", "sample_size": "5"},
        ),
    ]


RANGE = "Enter a date between 1900-01-01 and 2099-12-31"
RANGE_CUTOVER = "Enter a date between 1900-01-01 and 2099-12-31; the default is shown."


def test_out_of_range_input_never_gives_a_server_error(world, login):
    failures = []
    for persona, method, url, data in _cases(world):
        client = login(world.persona(persona), language="en")
        client.raise_request_exception = False
        response = getattr(client, method)(url, data, follow=True)
        if response.status_code >= 500:
            failures.append((method, url, data))
    assert failures == [], "\n".join(map(str, failures))


@pytest.mark.parametrize(
    ("name", "query", "message"),
    [
        ("audit:extract", "since=0001-01-01", RANGE),
        ("audit:extract", "until=9999-12-31", RANGE),
        ("insights:continuity", "cutover=0001-01-01", RANGE_CUTOVER),
    ],
)
def test_an_out_of_range_date_in_a_query_gets_a_message(world, login, name, query, message):
    args = [world.resident_mala.pk] if name.startswith("audit") else []
    response = login(world.coordinator, language="en").get(f"{reverse(name, args=args)}?{query}")
    assert response.status_code in (200, 400)
    assert message in response.content.decode()


def test_a_plan_for_week_one_is_refused_with_a_message(world, login):
    client = login(world.coordinator, language="en")
    response = client.post(reverse("scheduling:plans"), {"week_start": "0001-01-01"}, follow=True)
    assert RANGE in response.content.decode()


def test_a_huge_notification_id_is_refused(world, login):
    response = login(world.nurse_mala, language="en").post(
        reverse("notifications:read"), {"ids": HUGE}
    )
    assert response.status_code == 400
    assert "Choose notifications from the list." in response.content.decode()


def test_a_huge_unit_filter_on_a_plan_is_ignored(world, login):
    plan, _ = _a_plan(world)
    response = login(world.coordinator, language="en").get(
        reverse("scheduling:plan", args=[plan.pk]) + f"?unit={HUGE}"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("persona", "name", "data"),
    [
        ("nurse_mala", "vitals:record", {"pulse": "80", "measured_at": "0001-01-01T00:00"}),
        (
            "physician_spain",
            "scheduling:book",
            {"kind": "video", "day": "9999-12-31", "starts_at": "23:30", "duration": "30"},
        ),
        (
            "coordinator",
            "audit:reviews",
            {"period_start": "0001-01-01", "period_end": "0001-01-01", "sample_size": "5"},
        ),
    ],
)
def test_an_out_of_range_date_in_a_form_is_refused_and_kept(world, login, persona, name, data):
    args = [] if name == "audit:reviews" else [world.resident_mala.pk]
    response = login(world.persona(persona), language="en").post(reverse(name, args=args), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert RANGE in html


@pytest.mark.parametrize("value", [HUGE, "²"])
def test_a_huge_or_odd_unit_on_the_new_slot_page_is_ignored(world, login, value):
    response = login(world.coordinator).get(reverse("rounds:slot_new") + f"?unit={value}")
    assert response.status_code == 200


@pytest.mark.parametrize("target", ["-inf", "9999-12-31"])
def test_a_next_that_is_not_a_path_goes_to_the_list(world, login, target):
    response = login(world.nurse_mala).post(reverse("notifications:read"), {"next": target})
    assert response.status_code == 302
    assert response.url == reverse("notifications:list")


@pytest.mark.parametrize(
    ("persona", "method", "name", "data"),
    [
        ("coordinator", "get", "insights:continuity", {"q": "a\x00b"}),
        ("nurse_mala", "get", "residents:list", {"q": "a\x00b"}),
        ("nurse_mala", "post", "notifications:read", {"next": "/\x00"}),
    ],
)
def test_a_nul_character_is_refused_with_a_message(world, login, persona, method, name, data):
    # PostgreSQL cannot store or compare text with NUL: without the check these are 500s there.
    client = login(world.persona(persona), language="en")
    response = getattr(client, method)(reverse(name), data)
    assert response.status_code == 400
    assert "The request contained a character that is not allowed." in response.content.decode()
