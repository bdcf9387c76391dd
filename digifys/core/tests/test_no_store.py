"""Pages and files with resident data are never stored in a cache (issue #20 item 15)."""

import pytest
from django.urls import reverse

from digifys.consults.tests.builders import png_upload, send


@pytest.fixture
def consult(world):
    return send(world, photos=[png_upload("wound.png")])


def _pages(world, consult):
    resident = world.resident_mala.pk
    return [
        (world.nurse_mala, reverse("residents:detail", args=[resident])),
        (world.nurse_mala, reverse("residents:list")),
        (world.nurse_mala, reverse("consults:detail", args=[consult.pk])),
        (world.nurse_mala, reverse("consults:photo", args=[consult.photos.get().pk])),
        (world.physician_spain, reverse("consults:inbox")),
        (world.coordinator, reverse("audit:extract", args=[resident])),
        (world.coordinator, reverse("audit:extract_pdf", args=[resident])),
        (world.coordinator, reverse("audit:extract_csv", args=[resident])),
        (world.relative_with_consent, reverse("relatives:home")),
        (None, reverse("account_login")),
    ]


def test_every_page_and_file_with_resident_data_says_no_store(world, login, consult):
    for user, url in _pages(world, consult):
        response = login(user).get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives, (url, response["Cache-Control"])
