"""The access matrix: every URL pattern in the project, for every persona.

A new view without a row here fails `test_every_url_pattern_is_in_the_matrix`.
"""

import importlib
from collections import Counter

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from digifys.audit.models import AuditEvent
from digifys.testing.access_matrix import (
    BAD_REQUEST,
    CLINICAL,
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    OK,
    REDIRECT,
    RELATIVES,
    STAFF,
)
from digifys.testing.access_matrix import everyone as _everyone
from digifys.testing.access_matrix import row as _row
from digifys.testing.accounts import complete_second_factor
from digifys.testing.world import PERSONAS

# Apps that keep their rows in <app>/tests/access_rows.py.
APPS_WITH_ROWS = [
    "vitals",
    "consults",
    "orders",
    "worklist",
    "notifications",
    "careteams",
    "scheduling",
    "medicationreviews",
    "rounds",
    "visits",
    "insights",
    "administration",
    "relatives",
    "trust",
    "messaging",
    "accessibility",
    "fhir",
    "clinicians",
    "workforce",
    "testbed",
]


def _a_block(world):
    from digifys.careteams.models import Block

    return Block.objects.create(
        resident=world.resident_mala, unit=world.unit_mala, created_by=world.coordinator
    )


def _allauth_rows() -> dict:
    none = lambda w: {}  # noqa: E731
    rows = {
        "account_logout": _everyone(OK),
        "account_inactive": _everyone(OK, anonymous=OK),
        "account_reauthenticate": _everyone(OK),
        "account_confirm_login_code": _everyone(REDIRECT),
        "account_change_password": _everyone(OK),
        "account_set_password": _everyone(REDIRECT),
        "account_reset_password": _everyone(OK, anonymous=OK),
        "account_reset_password_done": _everyone(OK, anonymous=OK),
        "account_reset_password_from_key_done": _everyone(OK, anonymous=OK),
        "mfa_reauthenticate": _everyone(REDIRECT),
        # Personas in the matrix have no TOTP device, so these have nothing to show.
        "mfa_deactivate_totp": _everyone(NOT_FOUND),
        "mfa_view_recovery_codes": _everyone(NOT_FOUND),
        "mfa_download_recovery_codes": _everyone(NOT_FOUND),
        "mfa_generate_recovery_codes": _everyone(OK),
        "socialaccount_login_cancelled": _everyone(OK, anonymous=OK),
        "socialaccount_login_error": _everyone(401, anonymous=401),
    }
    matrix = {name: (none, "get", row) for name, row in rows.items()}
    matrix["account_reset_password_from_key"] = (
        lambda w: {"uidb36": "1", "key": "x-y"},
        "get",
        _everyone(OK, anonymous=OK),
    )
    # No SSO is configured in the matrix run: the callback of an unknown provider is 404.
    matrix["openid_connect_callback"] = (
        lambda w: {"provider_id": "region"},
        "get",
        _everyone(NOT_FOUND, anonymous=NOT_FOUND),
    )
    return matrix


# name → (kwargs builder, method, {persona: expected})
MATRIX = {
    "home": (
        lambda w: {},
        "get",
        _row(
            REDIRECT,
            administrator=REDIRECT,
        ),
    ),
    "healthz": (lambda w: {}, "get", _row(OK, anonymous=OK)),
    "javascript-catalog": (lambda w: {}, "get", _row(OK, anonymous=OK)),
    # Logged-in users are sent on from the login pages to their start page.
    "accounts:login": (lambda w: {}, "get", _row(REDIRECT, anonymous=OK)),
    "account_login": (lambda w: {}, "get", _row(REDIRECT, anonymous=OK)),
    "accounts:logout": (lambda w: {}, "post", _row(REDIRECT, anonymous=REDIRECT)),
    "accounts:preferences": (lambda w: {}, "get", _row(OK)),
    "accounts:set_language": (lambda w: {}, "post", _row(REDIRECT, anonymous=REDIRECT)),
    # Issuing enrolment codes for a first authenticator app: coordinators and administrators.
    "accounts:enrolment_codes": (
        lambda w: {},
        "get",
        _row(FORBIDDEN, coordinator=OK, administrator=OK),
    ),
    # The demo quick-login exists only in demo mode (tests do not run in demo mode).
    "accounts:demo_login": (lambda w: {}, "post", _row(NOT_FOUND, anonymous=NOT_FOUND)),
    # allauth's own views are one group (see _names); these rows stand for it. Two-factor setup
    # is open to everyone logged in, the code step needs a login in progress, a relative's login
    # code page is for visitors, and SSO is off without OIDC_SERVER_URL.
    "mfa_index": (lambda w: {}, "get", _row(OK)),
    "mfa_activate_totp": (lambda w: {}, "get", _row(OK)),
    "mfa_authenticate": (lambda w: {}, "get", _row(REDIRECT)),
    "account_request_login_code": (lambda w: {}, "get", _row(REDIRECT, anonymous=OK)),
    "openid_connect_login": (
        lambda w: {"provider_id": "region"},
        "get",
        _row(NOT_FOUND, anonymous=NOT_FOUND),
    ),
    "residents:list": (
        lambda w: {},
        "get",
        _row(FORBIDDEN, **dict.fromkeys(STAFF, OK)),
    ),
    "residents:register": (lambda w: {}, "get", _row(FORBIDDEN, coordinator=OK)),
    # The relatives' portal moved to relatives:home (relatives/tests/access_rows.py).
    "residents:mine": (lambda w: {}, "get", _row(REDIRECT)),
    "residents:detail": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(
            NOT_FOUND,
            nurse_mala=OK,
            physician_spain=OK,
            coordinator=OK,
            **dict.fromkeys(RELATIVES, REDIRECT),
        ),
    ),
    "residents:change_registration": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(FORBIDDEN, coordinator=OK),
    ),
    "residents:entitlement": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(FORBIDDEN, coordinator=OK),
    ),
    # The cognitive baseline is clinical: the unit's nurses and the resident's physicians.
    "residents:cognitive_baseline": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(
            FORBIDDEN,
            nurse_mala=OK,
            physician_spain=OK,
            nurse_storuman=NOT_FOUND,
            other_physician=NOT_FOUND,
        ),
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
    "careteams:emergency": (lambda w: {}, "get", _row(FORBIDDEN, **dict.fromkeys(CLINICAL, OK))),
    "careteams:emergency_open": (
        lambda w: {},
        "post",
        _row(FORBIDDEN, **dict.fromkeys(CLINICAL, BAD_REQUEST)),
    ),
    "careteams:consent_open": (
        lambda w: {"pk": w.resident_mala.pk},
        "post",
        _row(
            FORBIDDEN,
            nurse_mala=REDIRECT,
            physician_spain=REDIRECT,
            nurse_storuman=NOT_FOUND,
            other_physician=NOT_FOUND,
        ),
    ),
    "careteams:blocks": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(FORBIDDEN, coordinator=OK, nurse_mala=OK, nurse_storuman=NOT_FOUND),
    ),
    "careteams:lift_block": (
        lambda w: {"pk": _a_block(w).pk},
        "get",
        _row(FORBIDDEN, coordinator=OK, nurse_mala=OK, nurse_storuman=NOT_FOUND),
    ),
    "audit:reviews": (lambda w: {}, "get", _row(FORBIDDEN, coordinator=OK)),
    "audit:review": (lambda w: {"pk": _a_review(w).pk}, "get", _row(FORBIDDEN, coordinator=OK)),
    "audit:review_item": (
        lambda w: {"pk": _a_review(w).items.get().pk},
        "post",
        _row(FORBIDDEN, coordinator=BAD_REQUEST),
    ),
    "audit:review_close": (
        lambda w: {"pk": _a_review(w).pk},
        "get",
        _row(FORBIDDEN, coordinator=OK),
    ),
    "audit:extract": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(FORBIDDEN, coordinator=OK),
    ),
    "audit:extract_csv": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(FORBIDDEN, coordinator=OK),
    ),
    "audit:extract_pdf": (
        lambda w: {"pk": w.resident_mala.pk},
        "get",
        _row(FORBIDDEN, coordinator=OK),
    ),
    # allauth's remaining views: account pages that hold no resident data. Logged-in users get
    # the page (or allauth's own redirect); the public ones answer everybody.
    **_allauth_rows(),
    # The admin site is one entry: only administrators get in; everybody else is sent to log in.
    "admin:index": (lambda w: {}, "get", _row(REDIRECT, administrator=OK, anonymous=REDIRECT)),
}


for _app in APPS_WITH_ROWS:
    try:
        _module = importlib.import_module(f"digifys.{_app}.tests.access_rows")
    except ModuleNotFoundError:
        continue
    MATRIX.update(_module.ROWS)


def _a_review(world):
    from django.utils import timezone

    from digifys.audit import services as audit

    audit.record(
        actor=world.nurse_storuman,
        action="read",
        resident=world.resident_mala,
        object_type="resident",
        purpose="emergency",
    )
    today = timezone.localdate()
    return audit.start_review(
        actor=world.coordinator, period_start=today, period_end=today, sample_size=0, seed=1
    )


def _shown(resident, page: str) -> bool:
    return (
        f"{resident.given_name} {resident.family_name}" in page
        or f"{resident.family_name}, {resident.given_name}" in page
    )


def _assert_one_log_entry_per_resident_shown(world, response, before: int) -> None:
    """Each read of resident data in a response produces exactly one access-log entry."""
    if response.get("Content-Type", "").startswith("image/"):
        # A photo names nobody in its body; its one read entry is checked by its own tests.
        return
    html = response.get("Content-Type", "").startswith("text/html")
    page = response.content.decode() if html and response.status_code in (OK, BAD_REQUEST) else ""
    residents = [world.resident_mala, world.resident_mala_2, world.resident_storuman]
    new = AuditEvent.objects.order_by("seq")[before:]
    logged = Counter(event.resident_id for event in new if event.action == "read")
    for resident in residents:
        expected = 1 if _shown(resident, page) else 0
        assert logged[resident.pk] == expected, (resident, dict(logged))


def _names(resolver: URLResolver, namespace: str = "") -> list[str]:
    """Names of every URL pattern of the project (the admin site is checked as one entry)."""
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
        complete_second_factor(client, user)  # password + TOTP, as after a real login
    url = reverse(name, kwargs=kwargs_for(world))
    before = AuditEvent.objects.count()
    response = getattr(client, method)(url)
    expected = expected_by_persona[persona]
    _assert_one_log_entry_per_resident_shown(world, response, before)
    if expected == LOGIN:
        assert response.status_code == REDIRECT
        assert response.url.startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, (name, persona, response.status_code)
