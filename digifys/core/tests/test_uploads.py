import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from digifys.directory.models import StaffProfile


def _png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _clean_photo(world, upload):
    profile = StaffProfile.objects.get(user=world.physician_spain)
    profile.photo = upload
    profile.full_clean()


def test_a_small_png_photo_is_accepted(world):
    _clean_photo(world, SimpleUploadedFile("me.png", _png(), content_type="image/png"))


def test_a_photo_with_the_wrong_type_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        _clean_photo(world, SimpleUploadedFile("me.exe", _png(), content_type="image/png"))
    assert "photo" in caught.value.message_dict


def test_an_oversized_photo_is_refused_with_the_limit(world):
    big = SimpleUploadedFile("me.png", b"0" * (6 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        _clean_photo(world, big)
    assert "The limit is 5.0 MB" in " ".join(caught.value.message_dict["photo"])
