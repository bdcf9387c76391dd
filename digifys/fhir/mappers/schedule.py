"""A clinician's bookable calendar ↔ FHIR Schedule (one per clinician, with the staff id) and
its booked times ↔ FHIR Slot (one per booking, status busy, with the booking's id)."""

from digifys.directory.models import StaffProfile
from digifys.scheduling.models import Booking

from .. import codes


def schedule(profile: StaffProfile) -> dict:
    return {
        "resourceType": "Schedule",
        "id": str(profile.pk),
        "active": profile.user.is_active,
        "serviceType": [
            {
                "coding": [{"system": codes.LOCAL, "code": profile.profession}],
                "text": str(profile.get_profession_display()),
            }
        ],
        "actor": [
            {
                "reference": f"Practitioner/{profile.pk}",
                "display": profile.user.get_full_name(),
            },
            {"reference": f"PractitionerRole/{profile.pk}"},
        ],
        "extension": [{"url": codes.TZ_CODE, "valueCode": profile.time_zone}],
        "comment": profile.time_zone,
    }


def slot(booking: Booking) -> dict:
    return {
        "resourceType": "Slot",
        "id": str(booking.pk),
        "schedule": {"reference": f"Schedule/{booking.clinician_id}"},
        "status": "busy",
        "start": booking.starts_at.isoformat(),
        "end": booking.ends_at.isoformat(),
        "serviceType": [{"coding": [{"system": codes.LOCAL, "code": booking.kind}]}],
    }
