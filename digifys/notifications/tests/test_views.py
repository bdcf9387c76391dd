"""The notifications page, marking read, and the header badge."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from digifys.notifications import services
from digifys.notifications.models import Notification


def _notify(user, text="Ny konsultation (brådskande) från Avd 1 Björken", **extra):
    return services.notify(
        recipients=[user], kind=Notification.Kind.CONSULT_NEW, text=text, **extra
    )[0]


def test_a_user_sees_only_their_own_notifications_unread_first(world, login):
    old = _notify(world.physician_spain, text="Äldre, läst")
    Notification.objects.filter(pk=old.pk).update(
        read_at=timezone.now(), created_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    _notify(world.physician_spain, text="Ny, oläst", link="/consults/1/")
    _notify(world.other_physician, text="Någon annans")
    html = login(world.physician_spain, language="en").get(reverse("notifications:list"))
    html = html.content.decode()
    assert "Någon annans" not in html
    # The unread one comes first although the read one is newer, and is marked in text.
    assert html.index("Ny, oläst") < html.index("Äldre, läst")
    assert html.count(">Unread<") == 1
    assert '<a href="/consults/1/">Ny, oläst</a>' in html


def test_the_list_is_paginated(world, login, settings):
    settings.DIGIFYS_PAGE_SIZE = 2
    for n in range(3):
        _notify(world.nurse_mala, text=f"Uppgift {n}")
    client = login(world.nurse_mala, language="en")
    first = client.get(reverse("notifications:list"))
    second = client.get(reverse("notifications:list"), {"page": 2})
    # Newest first: two on the first page, the oldest alone on the second, each shown once.
    shown = {
        page: [n.text for n in response.context["page"].object_list]
        for page, response in ((1, first), (2, second))
    }
    assert sorted(shown[1]) == ["Uppgift 1", "Uppgift 2"]
    assert shown[2] == ["Uppgift 0"]
    for page, response in ((1, first), (2, second)):
        html = response.content.decode()
        for n in range(3):
            assert html.count(f"Uppgift {n}") == (f"Uppgift {n}" in shown[page])


def test_a_link_off_the_site_is_not_rendered_as_a_link(world, login):
    _notify(world.nurse_mala, text="Konstig länk", link="https://evil.example/")
    html = login(world.nurse_mala).get(reverse("notifications:list")).content.decode()
    assert "Konstig länk" in html and "evil.example" not in html


def test_marking_given_notifications_read_leaves_the_others(world, login):
    first = _notify(world.nurse_mala, text="Första")
    second = _notify(world.nurse_mala, text="Andra")
    someone_elses = _notify(world.nurse_storuman, text="Annan")
    client = login(world.nurse_mala)
    response = client.post(
        reverse("notifications:read"), {"ids": [first.pk, someone_elses.pk], "next": "/"}
    )
    assert response.status_code == 302 and response.url == "/"
    first.refresh_from_db(), second.refresh_from_db(), someone_elses.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert someone_elses.read_at is None  # nobody marks another user's notifications


def test_marking_all_read_goes_back_to_the_list(world, login):
    for n in range(3):
        _notify(world.nurse_mala, text=f"N{n}")
    client = login(world.nurse_mala)
    response = client.post(reverse("notifications:read"))
    assert response.url == reverse("notifications:list")
    assert not Notification.objects.unread().filter(recipient=world.nurse_mala).exists()


def test_marking_read_refuses_another_sites_next_and_bad_ids(world, login):
    client = login(world.nurse_mala)
    response = client.post(reverse("notifications:read"), {"next": "https://evil.example/"})
    assert response.url == reverse("notifications:list")
    assert client.post(reverse("notifications:read"), {"ids": "x"}).status_code == 400


def test_marking_read_needs_a_post(world, login):
    assert login(world.nurse_mala).get(reverse("notifications:read")).status_code == 405


def test_the_badge_shows_the_unread_count(world, login):
    client = login(world.nurse_mala, language="en")
    html = client.get(reverse("notifications:badge")).content.decode()
    assert "notification-count" not in html and "<html" not in html
    _notify(world.nurse_mala)
    _notify(world.nurse_mala)
    html = client.get(reverse("notifications:badge")).content.decode()
    assert '<span class="notification-count">2<span class="visually-hidden"> unread' in html


def test_the_header_snippet_refreshes_itself_live():
    from django.template.loader import render_to_string

    html = render_to_string("notifications/_header_badge.html")
    assert 'data-live-socket="/ws/notifications/"' in html
    assert 'hx-trigger="load, live-update"' in html
    assert f'hx-get="{reverse("notifications:badge")}"' in html


@pytest.mark.parametrize("name", ["notifications:list", "notifications:badge"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_the_empty_list_says_what_appears_there(world, login):
    html = login(world.relative_with_consent, language="en").get(reverse("notifications:list"))
    assert "You have no notifications" in html.content.decode()


def test_the_list_refreshes_itself_live_with_only_its_items(world, login):
    _notify(world.nurse_mala, text="Första")
    client = login(world.nurse_mala)
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'data-live-socket="/ws/notifications/"' in page
    assert 'hx-trigger="live-update"' in page
    _notify(world.nurse_mala, text="Andra")
    part = client.get(reverse("notifications:list"), headers={"HX-Request": "true"})
    html = part.content.decode()
    assert "<html" not in html and "Första" in html and "Andra" in html
