"""Upload limits for clinicians' documents: PDF only (by name and by content), at most 10 MB."""

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from digifys.core.validators import MaxFileSizeValidator

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@deconstructible
class PdfContentValidator:
    """Refuse a file whose first bytes are not a PDF header, whatever its name says."""

    def __call__(self, upload) -> None:
        position = upload.tell() if hasattr(upload, "tell") else 0
        upload.seek(0)
        head = upload.read(5)
        upload.seek(position)
        if head != b"%PDF-":
            raise ValidationError(_("The file is not a PDF."), code="not_pdf")

    def __eq__(self, other) -> bool:
        return isinstance(other, PdfContentValidator)


document_upload_validators = [
    FileExtensionValidator(["pdf"]),
    MaxFileSizeValidator(MAX_DOCUMENT_BYTES),
    PdfContentValidator(),
]
