"""Finding a resident's own login by the identity number the region's identity provider sends.

Rules: a resident who logs in themselves (BankID through the region's OpenID Connect provider)
is matched on the identity number alone, in its canonical 12-digit form, and only to an active
user linked to that resident by `ResidentLogin`; never on name. Relatives are not matched here:
they log in with an e-mailed code and no identity number of theirs is registered.
"""

from digifys.accounts.models import User


def users_for_identity_number(canonical: str) -> list[User]:
    """Active users whose own resident has the 12-digit identity number CANONICAL (at most 2)."""
    return list(
        User.objects.filter(
            is_active=True, resident_login__resident__identity_number=canonical
        ).order_by("pk")[:2]
    )
