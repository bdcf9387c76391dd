"""Fixtures for the login tests: a real OpenID Connect provider (Node, npm `oidc-provider`)."""

import fcntl
import os
import select
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
CLIENT_ID = "digifys-test"
CLIENT_SECRET = "digifys-test-secret"
PROVIDER_NAME = "Region IdP (test)"


@dataclass(frozen=True)
class OIDCProvider:
    issuer: str
    client_id: str
    client_secret: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _install_provider(npm: str) -> None:
    """Install the pinned provider (package-lock.json) into oidc_provider/node_modules once.

    Test workers run in parallel: a file lock makes the others wait for one `npm ci`, and a
    marker written after it succeeds keeps them from starting on a half-installed tree.
    """
    marker = PROVIDER_DIR / "node_modules" / ".digifys-installed"
    with (PROVIDER_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return
        subprocess.run(  # noqa: S603
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PROVIDER_DIR,
            check=True,
            timeout=300,
        )
        marker.touch()


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    """Start oidc-provider on a free loopback port with one client for the live server.

    Needs Node.js ≥ 18 and npm; the first run installs the package (`npm ci`). The provider's
    development login page accepts any login and password; the login becomes `sub` and the
    verified `email` claim.
    """
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("Node.js and npm are needed for the OpenID Connect provider tests")
    _install_provider(npm)
    port = _free_port()
    env = {
        **os.environ,
        "OIDC_TEST_PORT": str(port),
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URI": f"{live_server.url}/accounts/oidc/region/login/callback/",
    }
    process = subprocess.Popen(  # noqa: S603
        [node, "provider.js"],
        cwd=PROVIDER_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        issuer = _wait_until_listening(process)
        yield OIDCProvider(issuer=issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(process: subprocess.Popen, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read()
            raise RuntimeError(
                f"the OIDC test provider exited with {process.returncode}: {output[-2000:]}"
            )
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            if line.startswith("listening "):
                return line.split(" ", 1)[1].strip()
    raise RuntimeError("the OIDC test provider did not start within 20 seconds")


@pytest.fixture
def region_idp(oidc_provider, settings):
    """Configure digifys's SSO against the test provider, as OIDC_* variables would."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": settings.OIDC_PROVIDER_ID,
                    "name": PROVIDER_NAME,
                    "client_id": oidc_provider.client_id,
                    "secret": oidc_provider.client_secret,
                    "settings": {
                        "server_url": oidc_provider.issuer,
                        "oauth_pkce_enabled": True,
                        "scope": settings.OIDC_SCOPES,
                    },
                }
            ]
        }
    }
    return oidc_provider


@pytest.fixture
def idp_page(chromium, live_server):
    """A Chromium page in English, for logins through the test provider."""
    context = chromium.new_context(locale="en-GB", timezone_id="Europe/Stockholm")
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def idp_login(page, live_server, login: str) -> None:
    """Log in through the test provider's own pages: any login and password, then consent.

    The provider turns LOGIN into its claims (an e-mail, or `pnr:<number>` for BankID's
    identity-number claim: provider.js)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name=f"Log in with {PROVIDER_NAME}").click()
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "anything")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Continue")
    page.click("button[type=submit]")
