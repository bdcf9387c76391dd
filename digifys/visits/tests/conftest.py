"""Fixtures for the video-room browser tests: rooms, logged-in call pages, polling helpers.

Chromium is the root `chromium` fixture (Debian's /usr/bin/chromium with fake camera and
microphone, `--use-fake-ui-for-media-stream` and mDNS host candidates off, so two pages on one
machine connect over loopback). Every participant gets a separate browser context.
"""

import time

import pytest

# The page CSP forbids eval, so `page.wait_for_function` cannot be used: poll with evaluate.
STATE = "window.digifysCall ? window.digifysCall.state() : null"
STATS = "window.digifysCall ? window.digifysCall.stats() : {}"


def until(check, *, timeout: float = 15.0, interval: float = 0.2, what: str = "condition"):
    """Call CHECK until it returns something truthy; return that, or fail after TIMEOUT s."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


def call_state(page) -> dict:
    return page.evaluate(STATE) or {}


def call_stats(page) -> dict:
    return page.evaluate(STATS) or {}


def wait_status(page, status: str, timeout: float = 30.0) -> dict:
    # 30 s: under a full parallel suite on two cores a join has been seen to take over 15 s.
    return until(
        lambda: (s := call_state(page)).get("status") == status and s,
        timeout=timeout,
        what=f"call status {status!r}",
    )


def wait_media(page, peers: int, timeout: float = 30.0, *, frames: int = 1) -> dict:
    """Wait until PAGE decodes video (>= FRAMES frames) and receives audio from PEERS others."""

    def check():
        stats = call_stats(page)
        good = [
            s
            for s in stats.values()
            if s["framesDecoded"] >= frames and s["audioPacketsReceived"] > 0
        ]
        return len(good) >= peers and stats

    return until(check, timeout=timeout, what=f"media from {peers} peers")


def join(page) -> None:
    """Press "Join the call" once the camera and microphone are ready."""
    page.locator("#call-join:enabled").click()


def admit(host_page, name: str) -> None:
    """As the host, admit the waiting participant whose list entry mentions NAME."""
    entry = host_page.locator(".call-admit-list li", has_text=name)
    # 30 s like wait_status: the knock travels through the channel layer, and under the full
    # parallel suite on two cores it has been seen to take more than Playwright's 10 s default.
    entry.wait_for(timeout=30_000)
    entry.get_by_role("button", name=f"Admit {name}").click()


@pytest.fixture
def consult_room(world):
    """An open video room for a consult about resident_mala, hosted by physician_spain."""
    from digifys.consults import services as consults
    from digifys.directory.models import StaffProfile
    from digifys.visits import services as visits

    consult = consults.send_consult(
        actor=world.nurse_mala,
        resident=world.resident_mala,
        urgency="urgent",
        situation="Tröttare sedan i morse.",
        background="Hjärtsvikt.",
        assessment="NEWS2 5.",
        recommendation="Bedömning via video.",
    )
    consult = consults.accept_consult(actor=world.physician_spain, consult=consult)
    assert consult.assigned_to == StaffProfile.objects.get(user=world.physician_spain)
    return visits.open_room_for_consult(actor=world.physician_spain, consult=consult)


@pytest.fixture
def call_login(asgi_browser_login):
    """Open the room page of ROOM as USER (logged in through the real form) and return the page."""
    from django.urls import reverse

    def _open(user, room, *, language: str = "en", init_script: str | None = None):
        page = asgi_browser_login(user, language=language)
        if init_script:
            page.add_init_script(init_script)
        page.goto(asgi_browser_login.url + reverse("visits:room", kwargs={"room_pk": room.pk}))
        return page

    _open.url = asgi_browser_login.url
    return _open


@pytest.fixture
def guest_context(chromium, asgi_live_server):
    """New, anonymous browser contexts for guests (no account); closed after the test.

    A guest sees Swedish until they switch language; the tests' guests have switched (the
    language cookie), so that the assertions can read English.
    """
    from django.conf import settings

    contexts = []

    def _new(language: str = "en"):
        context = chromium.new_context(locale="sv-SE", timezone_id="Europe/Stockholm")
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": asgi_live_server}]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return context, page

    yield _new
    for context in contexts:
        context.close()


# --- Janus (the SFU of family meetings) ---------------------------------------------------------


@pytest.fixture(scope="session")
def janus_server(tmp_path_factory):
    """A private Janus (Debian's package) on random ports with its own secrets, per test session.

    Skipped where Janus is not installed (CI installs it: .ci/run). Only the VideoRoom plugin
    and the HTTP and WebSocket transports are loaded (visits.janus.write_config).
    """
    import random
    import secrets
    import shutil
    import socket
    import subprocess
    import urllib.request

    binary = shutil.which("janus")
    if binary is None:
        pytest.skip("Janus is not installed (apt-get install janus); CI installs it")
    from digifys.visits import janus

    def free_port() -> int:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    folder = tmp_path_factory.mktemp("janus")
    http_port, ws_port = free_port(), free_port()
    rtp = random.randrange(42000, 58000, 500)
    config = {
        "token_secret": secrets.token_hex(16),
        "admin_key": secrets.token_hex(16),
    }
    jcfg = janus.write_config(
        folder,
        http_port=http_port,
        ws_port=ws_port,
        rtp_ports=f"{rtp}-{rtp + 499}",
        ws_bind="127.0.0.1",
        **config,
    )
    log = open(folder / "janus.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(  # noqa: S603 (Debian's janus, our own config)
        [binary, "-C", jcfg, "-F", str(folder)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{http_port}/janus"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/info", timeout=1).read()  # noqa: S310
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                raise AssertionError(
                    "Janus did not start: " + (folder / "janus.log").read_text()[-2000:]
                ) from None
            time.sleep(0.2)
    yield {
        "JANUS_URL": url,
        "JANUS_PUBLIC_URL": f"ws://127.0.0.1:{ws_port}",
        "JANUS_TOKEN_SECRET": config["token_secret"],
        "JANUS_ADMIN_KEY": config["admin_key"],
        "log": folder / "janus.log",
    }
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def janus_settings(janus_server, settings):
    """Point the application at the private Janus for this test."""
    for name, value in janus_server.items():
        if name.startswith("JANUS_"):
            setattr(settings, name, value)
    return janus_server
