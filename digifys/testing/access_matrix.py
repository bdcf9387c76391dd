"""Building blocks for the access matrix (digifys/core/tests/test_access_matrix.py).

Each domain app lists its own URL patterns in `<app>/tests/access_rows.py` as
`ROWS = {url name: (kwargs builder, method, {persona: expected})}`; the matrix collects them.
"""

from digifys.testing.world import PERSONAS

LOGIN = "login"  # expected: redirect to the login page
OK, FORBIDDEN, NOT_FOUND, REDIRECT, BAD_REQUEST = 200, 403, 404, 302, 400

STAFF = {"nurse_mala", "nurse_storuman", "physician_spain", "other_physician", "coordinator"}
CLINICAL = STAFF - {"coordinator"}
RELATIVES = {
    "relative_with_consent",
    "relative_without",
    "relative_scoped",
    "relative_expired",
    "relative_revoked",
    "relative_other",
}


def row(default, **overrides) -> dict:
    """Expected status per persona: DEFAULT for everyone logged in, login redirect for anonymous."""
    expected = dict.fromkeys(PERSONAS, default)
    expected["anonymous"] = LOGIN
    expected.update(overrides)
    return expected


def everyone(status, anonymous=LOGIN) -> dict:
    return row(status, anonymous=anonymous)
