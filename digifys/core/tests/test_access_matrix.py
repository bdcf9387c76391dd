"""The access matrix: every URL pattern in the project, for every persona.

A new view without a row here fails `test_every_url_pattern_is_in_the_matrix`.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from digifys.core.testing import PERSONAS

LOGIN = "login"  # expected: redirect to the login page
OK, FORBIDDEN, NOT_FOUND, REDIRECT, NOT_ALLOWED = 200, 403, 404, 302, 405

STAFF = {"nurse_mala", "nurse_storuman", "physician_spain", "other_physician", "coordinator"}


def _row(default, **overrides):
    row = dict.fromkeys(PERSONAS, default)
    row["anonymous"] = LOGIN
    row.update(overrides)
    return row


# name → (kwargs builder, method, {persona: expected})
MATRIX = {
    "home": (
        lambda w: {},
        "get",
        _row(
            REDIRECT,
            administrator=REDIRECT,
            relative_without=FORBIDDEN,  # a login linked to nobody has no role
        ),
    ),
    "healthz": (lambda w: {}, "get", _row(OK, anonymous=OK)),
    "javascript-catalog": (lambda w: {}, "get", _row(OK, anonymous=OK)),
    "accounts:login": (lambda w: {}, "get", _row(OK, anonymous=OK)),
    "accounts:logout": (lambda w: {}, "post", _row(REDIRECT, anonymous=REDIRECT)),
    "accounts:preferences": (lambda w: {}, "get", _row(OK)),
    "accounts:set_language": (lambda w: {}, "post", _row(REDIRECT, anonymous=REDIRECT)),
    "residents:list": (
        lambda w: {},
        "get",
        _row(FORBIDDEN, **dict.fromkeys(STAFF, OK)),
    ),
    "residents:register": (lambda w: {}, "get", _row(FORBIDDEN, coordinator=OK)),
    "residents:mine": (lambda w: {}, "get", _row(FORBIDDEN, relative_with_consent=OK)),
    "residents:detail": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(
            NOT_FOUND,
            nurse_mala=OK,
            physician_spain=OK,
            coordinator=OK,
            relative_with_consent=REDIRECT,
        ),
    ),
    "residents:change_registration": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(FORBIDDEN, coordinator=OK),
    ),
    "directory:unit": (
        lambda w: {"pk": w.unit_mala.pk},
        "get",
        _row(FORBIDDEN, nurse_mala=OK, nurse_storuman=NOT_FOUND, coordinator=OK),
    ),
    "careteams:panel": (
        lambda w: {},
        "get",
        _row(FORBIDDEN, physician_spain=OK, other_physician=OK),
    ),
    "careteams:overview": (lambda w: {}, "get", _row(FORBIDDEN, coordinator=OK)),
    # The admin site is one entry: only administrators get in; everybody else is sent to log in.
    "admin:index": (lambda w: {}, "get", _row(REDIRECT, administrator=OK, anonymous=REDIRECT)),
}


def _names(resolver: URLResolver, namespace: str = "") -> list[str]:
    names = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names.extend(_names(pattern, inner))
        elif isinstance(pattern, URLPattern):
            names.append(
                f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<{pattern.pattern}>"
            )
    return names


def test_every_url_pattern_is_in_the_matrix():
    project = [name for name in _names(get_resolver()) if not name.startswith("admin:")]
    missing = sorted(set(project) - set(MATRIX))
    assert not missing, f"URL patterns missing from the access matrix: {missing}"


CASES = [(name, persona) for name in MATRIX for persona in PERSONAS]


@pytest.mark.parametrize(("name", "persona"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_access(world, client, name, persona):
    kwargs_for, method, expected_by_persona = MATRIX[name]
    user = world.persona(persona)
    if user is not None:
        client.force_login(user)
    url = reverse(name, kwargs=kwargs_for(world))
    response = getattr(client, method)(url)
    expected = expected_by_persona[persona]
    if expected == LOGIN:
        assert response.status_code == REDIRECT
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, (name, persona, response.status_code)
