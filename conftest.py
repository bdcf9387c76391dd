import os

import pytest
from django.utils import translation

from digifys.core.browser import CHROMIUM, CHROMIUM_ARGS
from digifys.testing.world import World, build_world

# A browser test that times out waiting for the page (Playwright's TimeoutError, or our own
# polling helpers' "timed out waiting") is run once more: on a shared two-core machine a WebRTC
# call or a WebSocket message now and then takes longer than any sensible wait. Any other failure,
# and a second timeout, fails the run; the summary counts the reruns ("R").
BROWSER_TIMEOUTS = [r"playwright\._impl\._errors\.TimeoutError", r"timed out waiting for"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("flaky"):
            item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=BROWSER_TIMEOUTS))


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service-level messages are asserted in English; requests still default to Swedish."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Hash test passwords with MD5: PBKDF2's deliberate slowness costs seconds per test module.

    Tests of login still go through the real authentication code; only the hash is cheap.
    Production keeps Django's default hashers (settings.py does not set PASSWORD_HASHERS).
    """
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def _quick_flush_on_postgresql():
    """Empty only the tables that hold rows after a transactional test, with DELETE, on PostgreSQL.

    Django's flush TRUNCATEs every table (about 110) after each transactional test: on
    PostgreSQL that gives each table and index a new file, 0.5 s a test, minutes of a CI run.
    One query finds the tables with rows; those are emptied with DELETE, with triggers off for
    the transaction (`session_replication_role`, which needs a superuser: other roles get Django's
    flush), so
    foreign keys need no order and the access log's append-only trigger stays as it is. The end
    state is Django's: every table empty, then post_migrate. A flush that resets sequences keeps
    Django's own statements. SQLite keeps Django's flush (a few milliseconds).
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    django_flush = DatabaseOperations.sql_flush

    def _superuser(connection) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            return bool(cursor.fetchone()[0])

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables or not _superuser(self.connection):
            return django_flush(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        probe = " UNION ALL ".join(
            f"SELECT %s WHERE EXISTS (SELECT 1 FROM {self.quote_name(table)})"  # noqa: S608
            for table in tables
        )
        with self.connection.cursor() as cursor:
            cursor.execute(probe, list(tables))
            with_rows = [row[0] for row in cursor.fetchall()]
        # Always at least one statement: flush runs post_migrate only after a non-empty list.
        return ["SET LOCAL session_replication_role = replica"] + [
            f"DELETE FROM {self.quote_name(table)}"  # noqa: S608 (names from introspection)
            for table in with_rows
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = django_flush


@pytest.fixture(autouse=True)
def _no_live_polling_in_tests(settings):
    """Test servers without WebSockets make every page poll its live parts (live.js) every
    LIVE_POLL_SECONDS; a poll that lands while a transactional test flushes the database has
    deadlocked PostgreSQL's TRUNCATE. Pages in tests poll once an hour; the tests of the
    fallback itself (core/tests/test_live_fallback_browser.py) set a short interval."""
    settings.LIVE_POLL_SECONDS = 3600


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    """Uploaded files (consult photos, staff photos) never land in the project's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_work_places_from_earlier_tests():
    """Each test's database starts without periods of work from elsewhere: forget those an
    earlier (rolled-back) test left in this process's memory (digifys/workforce/location.py)."""
    from digifys.workforce import location

    location.forget(known_empty=True)
    yield
    location.forget(known_empty=True)


@pytest.fixture
def world(db) -> World:
    """A small region with every persona (see digifys/testing/world.py)."""
    return build_world()


@pytest.fixture
def login(client):
    """Log a persona in: `login(world.nurse_mala, language="en")`; None stays anonymous.

    The session is fully authenticated: password and TOTP steps are recorded as allauth does, so
    staff pass RequireSecondFactorMiddleware.
    """
    from digifys.testing.accounts import complete_second_factor

    def _login(user, *, language: str | None = None):
        client.logout()
        if user is not None:
            client.force_login(user)
            complete_second_factor(client, user)
        if language:
            client.cookies["django_language"] = language
        return client

    return _login


# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the same
# thread (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    """A real headless Chromium (Debian's package), shared by the browser tests of a worker."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _browser_opener(chromium, base_url: str):
    """Return (open, contexts): open(user, language=None) logs USER in through the real form.

    service_workers="block" gives a context in which no page's service worker is registered (a
    device's first visit: nothing is answered from the offline cache).
    """
    from django.core.cache import cache

    from digifys.accounts import authentication
    from digifys.testing.accounts import TOTP_SECRET, fresh_totp_code, give_totp
    from digifys.testing.world import PASSWORD

    contexts = []

    def _open(user, *, language: str | None = None, service_workers: str = "allow"):
        # The server runs in this process: forget TOTP codes marked as used (replay
        # protection) and login rate limits left by earlier logins of this test process.
        cache.clear()
        two_factor = authentication.needs_second_factor(user)
        if two_factor:
            give_totp(user)
        context = chromium.new_context(
            locale="sv-SE", timezone_id="Europe/Stockholm", service_workers=service_workers
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        if language:
            context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
        page.goto(f"{base_url}/accounts/login/")
        page.fill("#id_login", user.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("#login-form button[type=submit]")
        if two_factor:
            assert "/accounts/2fa/authenticate/" in page.url, f"no TOTP step for {user.username}"
            page.fill("#id_code", fresh_totp_code(TOTP_SECRET))
            with page.expect_navigation():
                page.click("#mfa-submit")
        assert "/accounts/" not in page.url, f"login failed for {user.username}: {page.url}"
        return page

    return _open, contexts


@pytest.fixture
def browser_login(chromium, live_server):
    """Open a new browser context logged in as USER through the real login form.

    Staff get a TOTP authenticator with a known secret (digifys/testing/accounts.py) and enter its
    current code at allauth's two-factor step; relatives log in with the password alone.
    Plain HTTP (pytest-django's live server); use `asgi_browser_login` for WebSockets.
    """
    opener, contexts = _browser_opener(chromium, live_server.url)
    yield opener
    for context in contexts:
        context.close()


@pytest.fixture
def asgi_live_server(transactional_db):
    """The full ASGI application (HTTP, static files and WebSockets) under uvicorn in a thread.

    Same process as the test, so it uses the test database and the in-memory channel layer.
    """
    import socket
    import threading
    import time

    import uvicorn
    from channels.auth import AuthMiddlewareStack
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application

    from digifys.routing import websocket_urlpatterns

    application = ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(get_asgi_application()),
            "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
        }
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the ASGI test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def asgi_browser_login(chromium, asgi_live_server):
    """Like `browser_login`, against the ASGI server, so pages get their live WebSockets."""
    opener, contexts = _browser_opener(chromium, asgi_live_server)
    opener.url = asgi_live_server
    yield opener
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, tmp_path_factory, request
) -> None:
    """SQLite test databases are files, not shared in-memory databases.

    The ASGI server of the browser tests runs in threads beside the test; SQLite's shared-cache
    in-memory mode answers concurrent writers with "table is locked" at once, while a file in
    WAL mode (settings.py) waits for the lock like production does.
    """
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
        name = tmp_path_factory.getbasetemp() / f"test-{worker}.sqlite3"
        database.setdefault("TEST", {})["NAME"] = str(name)
