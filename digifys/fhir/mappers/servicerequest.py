"""A physician's order to the nursing home (orders.Order) ↔ FHIR ServiceRequest.

Versions: 1 as ordered (active); 2 when it was cancelled (revoked).
"""

from digifys.orders.models import Order

from .. import codes


def _version(order: Order, cancelled: bool) -> dict:
    data = {
        "resourceType": "ServiceRequest",
        "id": str(order.pk),
        "meta": {
            "lastUpdated": (order.cancelled_at if cancelled else order.created_at).isoformat()
        },
        "status": "revoked" if cancelled else "active",
        "intent": "order",
        "code": {
            "coding": [{"system": codes.LOCAL, "code": order.kind}],
            "text": str(order.get_kind_display()),
        },
        "subject": {"reference": f"Patient/{order.resident_id}"},
        "authoredOn": order.created_at.isoformat(),
        "requester": {"reference": f"PractitionerRole/{order.ordered_by_id}"},
        "performerType": {"coding": [{"system": codes.LOCAL, "code": "nurse"}]},
        "occurrenceDateTime": order.first_due_at.isoformat(),
        "note": [{"text": order.instructions}],
    }
    if order.every_hours and order.for_days:
        data["occurrenceTiming"] = {
            "repeat": {
                "boundsPeriod": {"start": order.first_due_at.isoformat()},
                "frequency": 1,
                "period": order.every_hours,
                "periodUnit": "h",
                "count": max(1, order.for_days * 24 // order.every_hours),
            }
        }
        del data["occurrenceDateTime"]
    return data


def to_fhir(order: Order) -> dict:
    return _version(order, order.cancelled_at is not None)


def history(order: Order) -> list[dict]:
    versions = [_version(order, False)]
    if order.cancelled_at is not None:
        versions.append(_version(order, True))
    return versions
