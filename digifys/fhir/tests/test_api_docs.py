"""docs/api.md's examples work as written: its Python example and its curl commands run against
the live server (only the base URL, the token and the patient id are filled in)."""

import io
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from digifys.vitals.models import Observation

DOC = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def _block(language: str, starts: str = "") -> str:
    return re.search(rf"```{language}\n({starts}.*?)```", DOC.read_text(), re.S)[1]


def _token(world, user):
    out = io.StringIO()
    call_command(
        "fhir_client",
        "register",
        f"--user={user.username}",
        f"--by={world.administrator.username}",
        "--name=docs",
        "--scope=user/*.read",
        "--scope=user/Observation.write",
        stdout=out,
    )
    return out.getvalue().split("token (shown once): ")[1].strip()


@pytest.mark.django_db(transaction=True)
def test_the_python_example_runs(world, live_server, monkeypatch, capsys):
    monkeypatch.setenv("FHIR_BASE", f"{live_server.url}/fhir/R4")
    monkeypatch.setenv("FHIR_TOKEN", _token(world, world.nurse_mala))
    code = compile(_block("python"), str(DOC), "exec")
    exec(code, {})  # noqa: S102 - the documented example itself
    exec(code, {})  # noqa: S102 - run twice: the conditional create stores nothing new
    output = capsys.readouterr().out
    assert output.startswith(f"Greta {world.resident_mala.identity_number}")
    stored = Observation.objects.get()
    assert (stored.pulse, stored.resident) == (92, world.resident_mala)
    assert f"{stored.pk}-hr" in output


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_curl_example_runs(world, live_server):
    script = _block("sh", "BASE=")
    script = re.sub(r"^BASE=.*$", f"BASE={live_server.url}/fhir/R4", script, flags=re.M)
    script = re.sub(r"^TOKEN=.*$", f"TOKEN={_token(world, world.nurse_mala)}", script, flags=re.M)
    script = script.replace("Patient/1", f"Patient/{world.resident_mala.pk}")
    result = subprocess.run(  # noqa: S603
        ["bash", "-e", "-c", script.replace("curl -s", "curl -s -f -w '\\n'")],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.count('"resourceType"') >= 4
    assert "OperationOutcome" not in result.stdout
    stored = Observation.objects.get()
    assert str(stored.temperature) == "38.3"


# --- SMART on FHIR -----------------------------------------------------------------------------


def _command(block_start: str) -> list[str]:
    """The arguments of the documented `python manage.py smart_client …` command."""
    text = re.search(
        rf"```\n(python manage.py smart_client {block_start}.*?)\n(?:python|```)",
        DOC.read_text(),
        re.S,
    )[1]
    return shlex.split(text.replace("\\\n", " "))[3:]


@pytest.mark.django_db(transaction=True)
def test_the_backend_services_examples_run(world, live_server, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    exec(compile(_block("python", "# Make a key pair"), str(DOC), "exec"), {})  # noqa: S102
    kid = capsys.readouterr().out.strip()
    assert "PRIVATE KEY" in (tmp_path / "private-key.pem").read_text()
    assert '"d"' not in (tmp_path / "jwks.json").read_text()  # public parts only

    out = io.StringIO()
    arguments = _command("backend")
    assert arguments[:2] == ["backend", "--user"]
    call_command("smart_client", *arguments, stdout=out)
    client_id = out.getvalue().split("client_id: ")[1].strip()

    monkeypatch.setenv("FHIR_BASE", f"{live_server.url}/fhir/R4")
    monkeypatch.setenv("CLIENT_ID", client_id)
    monkeypatch.setenv("PRIVATE_KEY_FILE", str(tmp_path / "private-key.pem"))
    monkeypatch.setenv("KEY_ID", kid)
    exec(compile(_block("python", "# Backend services"), str(DOC), "exec"), {})  # noqa: S102
    assert capsys.readouterr().out == "Greta system/Patient.read\n"

    if shutil.which("curl") is None:
        return
    import time
    import uuid

    import jwt

    assertion = jwt.encode(
        {
            "iss": client_id,
            "sub": client_id,
            "aud": f"{live_server.url}/oauth/token",
            "exp": int(time.time()) + 300,
            "jti": str(uuid.uuid4()),
        },
        (tmp_path / "private-key.pem").read_bytes(),
        algorithm="RS384",
        headers={"kid": kid},
    )
    script = _block("sh", "TOKEN_URL=")
    script = re.sub(
        r"^TOKEN_URL=.*$", f"TOKEN_URL={live_server.url}/oauth/token", script, flags=re.M
    )
    script = re.sub(r"^BASE=.*$", f"BASE={live_server.url}/fhir/R4", script, flags=re.M)
    result = subprocess.run(  # noqa: S603
        ["bash", "-e", "-o", "pipefail", "-c", script.replace("curl -s", "curl -s -f")],  # noqa: S607
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "ASSERTION": assertion},
    )
    assert '"resourceType":"Bundle"' in result.stdout.replace(" ", "")
    assert "Lind" in result.stdout


@pytest.mark.django_db
def test_the_app_registration_example_runs(world):
    out = io.StringIO()
    call_command("smart_client", *_command("app"), stdout=out)
    assert out.getvalue().startswith("client_id: ")
    out = io.StringIO()
    call_command("smart_client", "list", stdout=out)
    assert "Ward tablet app" in out.getvalue() and "user/*.read" in out.getvalue()
