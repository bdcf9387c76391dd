import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from digifys.core.validators import MAX_IMAGE_BYTES
from digifys.directory.models import StaffProfile


def _png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _clean_photo(world, upload) -> StaffProfile:
    profile = StaffProfile.objects.get(user=world.physician_spain)
    profile.photo = upload
    profile.full_clean()
    return profile


def test_a_png_photo_up_to_the_limit_is_accepted(world):
    png = _png()
    profile = _clean_photo(world, SimpleUploadedFile("me.png", png, content_type="image/png"))
    assert profile.photo.size == len(png)
    # Exactly the limit is allowed; one byte more is not (the validator compares with >).
    padded = png + b"\0" * (MAX_IMAGE_BYTES - len(png))
    _clean_photo(world, SimpleUploadedFile("big.png", padded, content_type="image/png"))
    with pytest.raises(ValidationError):
        _clean_photo(world, SimpleUploadedFile("big.png", padded + b"\0", content_type="image/png"))


def test_a_photo_with_the_wrong_type_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        _clean_photo(world, SimpleUploadedFile("me.exe", _png(), content_type="image/png"))
    assert "photo" in caught.value.message_dict


def test_an_oversized_photo_is_refused_with_the_limit(world):
    big = SimpleUploadedFile("me.png", b"0" * (6 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        _clean_photo(world, big)
    assert "The limit is 5.0 MB" in " ".join(caught.value.message_dict["photo"])
