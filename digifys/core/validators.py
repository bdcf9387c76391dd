from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
MAX_IMAGE_BYTES = 5 * 1024 * 1024


@deconstructible
class MaxFileSizeValidator:
    """Refuse files larger than LIMIT bytes, saying how large they may be."""

    def __init__(self, limit: int = MAX_IMAGE_BYTES):
        self.limit = limit

    def __call__(self, upload) -> None:
        if upload.size > self.limit:
            raise ValidationError(
                _("The file is too large (%(size)s MB). The limit is %(limit)s MB."),
                params={
                    "size": round(upload.size / 1024 / 1024, 1),
                    "limit": round(self.limit / 1024 / 1024, 1),
                },
                code="file_too_large",
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, MaxFileSizeValidator) and other.limit == self.limit


image_upload_validators = [
    FileExtensionValidator(IMAGE_EXTENSIONS),
    MaxFileSizeValidator(MAX_IMAGE_BYTES),
]
