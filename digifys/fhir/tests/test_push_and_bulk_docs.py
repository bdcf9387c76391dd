"""docs/api.md's Subscriptions and Bulk data export sections work as written: the signature check
in Python accepts a real notification and refuses a changed or old one; the curl commands run a
bulk export against the live server (base URL and token filled in)."""

import io
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from digifys.fhir import subscriptions

from .conftest import panel
from .test_subscriptions import Receiver, _subscribe, _worker

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def _block(language: str, containing: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.S)
    (found,) = [block for block in blocks if containing in block]
    return found


@pytest.mark.django_db(transaction=True)
def test_the_signature_check_accepts_a_real_notification_and_nothing_else(world, fhir, settings):
    settings.FHIR_SUBSCRIPTION_ALLOW_PRIVATE_ENDPOINTS = True  # the receiver is on 127.0.0.1
    namespace: dict = {}
    exec(compile(_block("python", "def verify"), str(DOC), "exec"), namespace)  # noqa: S102
    verify = namespace["verify"]
    hook = Receiver()
    try:
        api = fhir(world.nurse_mala)
        _created, secret = _subscribe(api, hook.url)
        api.post("", panel(world.resident_mala.pk))
        _worker()
    finally:
        hook.close()
    (got,) = hook.requests
    headers, body = got["headers"], got["body"]
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    assert not verify("another secret", headers, body)
    old = str(int(headers["X-Digifys-Timestamp"]) - 3600)
    replayed = {**headers, "X-Digifys-Timestamp": old}
    replayed["X-Digifys-Signature"] = subscriptions.sign(secret, old, body)
    assert not verify(secret, replayed, body)


def _token(world, user):
    out = io.StringIO()
    call_command(
        "fhir_client",
        "register",
        f"--user={user.username}",
        f"--by={world.administrator.username}",
        "--name=docs",
        "--scope=user/*.read",
        stdout=out,
    )
    return out.getvalue().split("token (shown once): ")[1].strip()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_bulk_export_curl_example_runs(world, live_server, tmp_path):
    from digifys.vitals import services as vitals_services

    stored = vitals_services.record_observation(
        actor=world.nurse_mala, resident=world.resident_mala, pulse=88
    )
    script = _block("sh", "$export")
    script = re.sub(r"^BASE=.*$", f"BASE={live_server.url}/fhir/R4", script, flags=re.M)
    script = re.sub(r"^TOKEN=.*$", f"TOKEN={_token(world, world.nurse_mala)}", script, flags=re.M)
    process = subprocess.Popen(  # noqa: S603
        ["bash", "-e", "-c", script],  # noqa: S607
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        _worker()  # the task worker, beside the polling script
        time.sleep(0.5)
    out, err = process.communicate(timeout=5)
    assert process.returncode == 0, err
    assert '"output"' in out
    ndjson = (tmp_path / "Observation.ndjson").read_text().splitlines()
    assert {json.loads(line)["id"] for line in ndjson} == {
        f"{stored.pk}-hr",
        f"{stored.pk}-panel",
    }
