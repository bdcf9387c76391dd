"""No input gives a server error: property-based over every form and query parameter (issue #20).

For every URL pattern in the access matrix and every persona the matrix lets in, the page is
fetched and each of its forms (and its query parameters) is sent back with values hypothesis
draws from a mix of hostile inputs (years 1 and 9999, integers beyond 64 bits, non-ASCII digits,
overlong text) and the values the form itself offers. No response may be ≥ 500.

The account pages of allauth, the admin and logout are left out: they hold no resident data, and
logging out or changing the second factor midway would end the session under test.
"""

from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digifys.core.tests.test_access_matrix import MATRIX
from digifys.testing.access_matrix import BAD_REQUEST, OK, REDIRECT
from digifys.testing.accounts import complete_second_factor
from digifys.testing.world import PERSONAS

# About half a minute alone on two cores: `make test` runs it; the fast suite (not slow) does not.
pytestmark = pytest.mark.slow

EXAMPLES_PER_FORM = 3
SKIPPED_PREFIXES = ("admin:", "account_", "mfa_", "socialaccount_", "openid_connect")
SKIPPED = {"accounts:logout", "accounts:demo_login", "accounts:login", "healthz"}
# Query parameters read by list and filter pages even when no form on the page names them.
QUERY_PARAMETERS = (
    "page",
    "since",
    "until",
    "cutover",
    "unit",
    "clinician",
    "tier",
    "q",
    "sort",
    "status",
    "week",
    "day",
    "next",
)
HUGE = "99999999999999999999"
# Sent to every field at once before the random examples, so the known overflows are always
# tried whatever hypothesis draws.
FIXED_VALUES = ("0001-01-01", "9999-12-31T23:59", HUGE, "a\x00b")
HOSTILE = [
    "",
    "0",
    "-1",
    "1",
    HUGE,
    f"-{HUGE}",
    "9" * 400,
    "1e309",
    "NaN",
    "-inf",
    "1.5",
    "²",
    "١٢",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30",
    "24:00",
    "99:99",
    "x" * 3000,
    "<script>",
    "../../etc/passwd",
    "//evil.example/",
    "𝕏",
]


class _Forms(HTMLParser):
    """Collect the forms of a page: (method, action, {field name: [offered values]})."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, list[str]]]] = []
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._fields = {}
            method = (attrs.get("method") or "get").lower()
            self.forms.append((method, attrs.get("action") or "", self._fields))
        elif self._fields is None:
            return
        elif tag in ("input", "textarea", "select") and attrs.get("name"):
            if attrs.get("type") == "file":
                return
            values = self._fields.setdefault(attrs["name"], [])
            if attrs.get("value") is not None:
                values.append(attrs["value"])
            self._select = attrs["name"] if tag == "select" else None
        elif tag == "option" and self._select and attrs.get("value") is not None:
            self._fields[self._select].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


def _targets(world, client_for):
    """Yield (persona, method, path, {field: offered values}) for every form and page."""
    seen = set()
    for name, (kwargs_for, method, expected) in MATRIX.items():
        if name.startswith(SKIPPED_PREFIXES) or name in SKIPPED:
            continue
        path = reverse(name, kwargs=kwargs_for(world))
        for persona in PERSONAS:
            if expected[persona] not in (OK, BAD_REQUEST, REDIRECT):
                continue
            client = client_for(persona)
            response = client.get(path)
            forms = []
            if response.status_code == OK and "html" in response.get("Content-Type", ""):
                parser = _Forms()
                parser.feed(response.content.decode())
                forms = parser.forms
            query = {key: [] for key in QUERY_PARAMETERS}
            for form_method, action, fields in forms:
                target = urlsplit(action).path or path
                if target.startswith("/admin") or "logout" in target:
                    continue
                if form_method == "get":
                    for key, values in fields.items():
                        query.setdefault(key, []).extend(values)
                    continue
                if ("post", target) not in seen:
                    seen.add(("post", target))
                    yield persona, "post", target, fields
            # Each URL is tried once, as the first persona the matrix lets in: the same
            # parsing code runs for everybody, and the suite stays within a minute.
            if response.status_code == OK and ("get", path) not in seen:
                seen.add(("get", path))
                yield persona, "get", path, query
            elif method == "post" and ("post", path) not in seen:
                # A POST-only URL whose form was not seen yet: send it the usual names.
                seen.add(("post", path))
                yield persona, "post", path, {key: [] for key in QUERY_PARAMETERS}


def _value(offered: list[str]):
    choices = [st.sampled_from(HOSTILE), st.text(max_size=20)]
    if offered:
        choices.insert(0, st.sampled_from(offered))
    return st.one_of(*choices)


def _checker(client_for, failures, persona, method, path, names, strategy):
    @settings(
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=strategy)
    def check(data):
        send(data)

    def send(data):
        session = client_for(persona)
        if method == "get":
            response = session.get(f"{path}?{urlencode(data)}")
        else:
            response = session.post(path, data)
        if response.status_code >= 500:
            failures.append((persona, method, path, data, response.status_code))

    def run():
        for value in FIXED_VALUES:
            send(dict.fromkeys(names, value))
        check()

    return run


def test_no_form_or_query_parameter_gives_a_server_error(world, client):
    sessions = {}

    def client_for(persona):
        user = world.persona(persona)
        if sessions.get("current") != persona:
            client.logout()
            if user is not None:
                client.force_login(user)
                complete_second_factor(client, user)
            sessions["current"] = persona
        return client

    client.raise_request_exception = False
    failures = []
    targets = list(_targets(world, client_for))
    assert len(targets) > 100, "the page crawl found too few forms to be meaningful"

    for persona, method, path, fields in targets:
        names = sorted(fields)
        strategy = st.fixed_dictionaries({}, optional={n: _value(fields[n]) for n in names})

        check = _checker(client_for, failures, persona, method, path, names, strategy)
        check()
    assert failures == [], "\n".join(repr(f)[:300] for f in failures[:20])
