"""Access-matrix rows for the trust survey (digifys/core/tests/test_access_matrix.py).

Results: coordinators (every unit) and nurses/assistant nurses (their own units); everyone else
403. Answering: only the invitation's own recipient (404 for anyone else, as if it did not exist).
"""

from digifys.testing.access_matrix import FORBIDDEN, NOT_FOUND, OK, row


def _invitation(world):
    from digifys.relatives.models import stockholm_today
    from digifys.trust.models import Invitation

    relative = world.resident_mala.relatives.get(user=world.relative_with_consent)
    today = stockholm_today()
    invitation, _ = Invitation.objects.get_or_create(
        relative=relative,
        round_start=today,
        defaults={
            "recipient": world.relative_with_consent,
            "unit": world.unit_mala,
            "relationship": relative.relationship,
            "closes_on": today,
        },
    )
    return {"pk": invitation.pk}


RESULTS = row(FORBIDDEN, coordinator=OK, nurse_mala=OK, nurse_storuman=OK)

ROWS = {
    "trust:answer": (_invitation, "get", row(NOT_FOUND, relative_with_consent=OK)),
    "trust:results": (lambda w: {}, "get", RESULTS),
    "trust:results_csv": (lambda w: {}, "get", RESULTS),
}
