"""docs/api.md's examples work as written: its Python example and its curl commands run against
the live server (only the base URL, the token and the patient id are filled in)."""

import io
import re
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
