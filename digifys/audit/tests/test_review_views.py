import pytest
from django.urls import reverse
from django.utils import timezone

from digifys.audit import services
from digifys.audit.models import AuditEvent, LogReview, LogReviewItem

NOT_COORDINATORS = [
    "nurse_mala",
    "physician_spain",
    "administrator",
    "relative_with_consent",
    "relative_without",
]


@pytest.fixture
def review(world):
    """An open review of two entries: an emergency access and a random one."""
    emergency = services.record(
        actor=world.nurse_storuman,
        action="read",
        resident=world.resident_mala,
        object_type="resident",
        purpose="emergency",
    )
    ordinary = services.record(
        actor=world.nurse_mala,
        action="read",
        resident=world.resident_mala_2,
        object_type="resident",
    )
    today = timezone.localdate(timezone=services.STOCKHOLM)
    return (
        services.start_review(
            # A sample of one takes the ordinary entry whatever the time of day (at night the
            # night rule selects it anyway), so both entries are in the review.
            actor=world.coordinator,
            period_start=today,
            period_end=today,
            sample_size=1,
            seed=1,
        ),
        emergency,
        ordinary,
    )


def _urls(review) -> list[tuple[str, str]]:
    item = review.items.first()
    return [
        ("get", reverse("audit:reviews")),
        ("post", reverse("audit:reviews")),
        ("get", reverse("audit:review", args=[review.pk])),
        ("post", reverse("audit:review_item", args=[item.pk])),
        ("get", reverse("audit:review_close", args=[review.pk])),
        ("post", reverse("audit:review_close", args=[review.pk])),
    ]


@pytest.mark.parametrize("persona", NOT_COORDINATORS)
def test_only_coordinators_review_the_log(world, login, review, persona):
    client = login(world.persona(persona))
    for method, url in _urls(review[0]):
        assert getattr(client, method)(url).status_code == 403, (method, url)


def test_anonymous_visitors_are_sent_to_log_in(world, login, review):
    client = login(None)
    for method, url in _urls(review[0]):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_the_review_list_has_an_empty_state(world, login):
    page = login(world.coordinator, language="en").get(reverse("audit:reviews"))
    assert page.status_code == 200
    assert "No log review has been made yet" in page.content.decode()


def test_a_coordinator_starts_a_review_from_the_form(world, login):
    services.record(
        actor=world.nurse_mala, action="read", resident=world.resident_mala, object_type="resident"
    )
    today = timezone.localdate(timezone=services.STOCKHOLM)
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("audit:reviews"),
        {"period_start": today, "period_end": today, "sample_size": 10},
    )
    review = LogReview.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("audit:review", args=[review.pk])
    assert review.items.count() == 1
    listing = client.get(reverse("audit:reviews")).content.decode()
    assert f"{today:%Y-%m-%d} – {today:%Y-%m-%d}" in listing


def test_a_bad_period_is_refused_with_a_clear_message(world, login):
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("audit:reviews"),
        {"period_start": "2026-03-31", "period_end": "2026-03-01", "sample_size": 10},
    )
    assert response.status_code == 400
    assert "The end of the period must be on or after its start." in response.content.decode()
    assert not LogReview.objects.exists()


def test_the_review_page_shows_the_entries_in_stockholm_time_and_logs_the_reading(
    world, login, review
):
    review, emergency, _ = review
    before = AuditEvent.objects.count()
    page = login(world.coordinator, language="en").get(reverse("audit:review", args=[review.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    local = emergency.occurred_at.astimezone(services.STOCKHOLM)
    assert f"{local:%Y-%m-%d %H:%M:%S}" in html
    assert "Bertil Nurse" in html and "Registered nurse" in html
    assert "Blå Vägen – Avd 2 Tallen" in html
    assert "Greta Lind" in html and "Helge Nord" in html
    assert "Emergency access" in html
    reads = AuditEvent.objects.order_by("seq")[before:]
    assert sorted((e.resident_id, e.action, e.purpose) for e in reads) == sorted(
        [
            (world.resident_mala.pk, "read", "review"),
            (world.resident_mala_2.pk, "read", "review"),
        ]
    )


def test_an_outcome_is_saved_from_the_review_page(world, login, review):
    review, emergency, _ = review
    item = review.items.get(event=emergency)
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("audit:review_item", args=[item.pk]),
        {f"item-{item.pk}-outcome": "justified", f"item-{item.pk}-note": ""},
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert item.outcome == "justified"


def test_a_missing_note_is_refused_and_the_typed_choice_kept(world, login, review):
    review, emergency, _ = review
    item = review.items.get(event=emergency)
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("audit:review_item", args=[item.pk]),
        {f"item-{item.pk}-outcome": "unclear", f"item-{item.pk}-note": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write a note: what is unclear, or what follow-up is needed." in html
    assert '<option value="unclear" selected>' in html
    item.refresh_from_db()
    assert item.outcome == LogReviewItem.Outcome.PENDING


def test_outcomes_only_accept_posts(world, login, review):
    item = review[0].items.first()
    response = login(world.coordinator).get(reverse("audit:review_item", args=[item.pk]))
    assert response.status_code == 405


def test_closing_asks_first_and_is_refused_while_entries_are_pending(world, login, review):
    review, *_ = review
    client = login(world.coordinator, language="en")
    url = reverse("audit:review_close", args=[review.pk])
    question = client.get(url)
    assert question.status_code == 200
    assert "Close this review?" in question.content.decode()
    assert "2 entries have no outcome yet" in question.content.decode()
    refused = client.post(url, {"summary": "Done."})
    assert refused.status_code == 400
    assert "The review cannot be closed: 2 entries have no outcome yet." in (
        refused.content.decode()
    )
    review.refresh_from_db()
    assert review.is_open


def test_a_reviewed_review_is_closed(world, login, review):
    review, *_ = review
    review.items.update(outcome="justified")
    client = login(world.coordinator, language="en")
    response = client.post(
        reverse("audit:review_close", args=[review.pk]), {"summary": "All accesses justified."}
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "closed"
    page = client.get(reverse("audit:review", args=[review.pk])).content.decode()
    assert "All accesses justified." in page
    assert "Save outcome" not in page
