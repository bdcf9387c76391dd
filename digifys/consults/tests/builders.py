"""Data builders for the consult UI tests."""

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from digifys.consults import services
from digifys.vitals import services as vitals

# Test vector 1 of domain-spec §1.7: sub-scores 2,1,0,1,1,0,1 → NEWS2 6, medium.
MEDIUM_VITALS = {
    "respiratory_rate": 22,
    "spo2": 95,
    "on_oxygen": False,
    "systolic_bp": 105,
    "pulse": 95,
    "consciousness": "A",
    "temperature": Decimal("38.3"),
}


def png_bytes(size=(8, 8), color="white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def png_upload(name: str = "wound.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def record_vitals(world, resident=None, actor=None, **values):
    return vitals.record_observation(
        actor=actor or world.nurse_mala,
        resident=resident or world.resident_mala,
        **{**MEDIUM_VITALS, **values},
    )


def send(world, resident=None, actor=None, **fields):
    values = {
        "urgency": "urgent",
        "situation": "Greta är tröttare och andas snabbare sedan i morse.",
        "background": "Hjärtsvikt.",
        "assessment": "NEWS2 6.",
        "recommendation": "Bedömning inom 30 minuter.",
    }
    values.update(fields)
    return services.send_consult(
        actor=actor or world.nurse_mala, resident=resident or world.resident_mala, **values
    )
