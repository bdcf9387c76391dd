"""A clinician's booking about a resident (scheduling.Booking) ↔ FHIR Appointment.

Versions: 1 as booked; 2 when it was cancelled (`cancelled_at`, with the reason).
"""

from digifys.scheduling.models import Booking

from .. import codes


def _version(booking: Booking, cancelled: bool) -> dict:
    data = {
        "resourceType": "Appointment",
        "id": str(booking.pk),
        "meta": {
            "lastUpdated": (booking.cancelled_at if cancelled else booking.created_at).isoformat()
        },
        "status": "cancelled" if cancelled else "booked",
        "appointmentType": {
            "coding": [{"system": codes.LOCAL, "code": booking.kind}],
            "text": str(booking.get_kind_display()),
        },
        "start": booking.starts_at.isoformat(),
        "end": booking.ends_at.isoformat(),
        "created": booking.created_at.isoformat(),
        "slot": [{"reference": f"Slot/{booking.pk}"}],
        "participant": [
            {"actor": {"reference": f"Patient/{booking.resident_id}"}, "status": "accepted"},
            {
                "actor": {"reference": f"Practitioner/{booking.clinician_id}"},
                "status": "accepted",
            },
            {"actor": {"reference": f"Location/{booking.unit_id}"}, "status": "accepted"},
        ],
    }
    if booking.note:
        data["comment"] = booking.note
    if cancelled and booking.cancel_reason:
        data["cancelationReason"] = {"text": booking.cancel_reason}
    return data


def to_fhir(booking: Booking) -> dict:
    return _version(booking, booking.cancelled_at is not None)


def history(booking: Booking) -> list[dict]:
    versions = [_version(booking, False)]
    if booking.cancelled_at is not None:
        versions.append(_version(booking, True))
    return versions
