import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _django(env: dict, code: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "digifys.settings"}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_without_a_secret_key_outside_demo_mode(tmp_path):
    result = _django({"DIGIFYS_VAR_DIR": str(tmp_path)}, "pass")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "digifys.settings"}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_build_commands_run_without_a_secret_key_but_serving_commands_do_not(tmp_path):
    env = {"DIGIFYS_VAR_DIR": str(tmp_path)}
    offline = _manage(env, "makemigrations", "--check", "--dry-run")
    assert offline.returncode == 0, offline.stderr
    assert not (tmp_path / "secret_key").exists()  # the throw-away key is never stored
    serving = _manage(env, "check")
    assert serving.returncode != 0
    assert "SECRET_KEY" in serving.stderr


def test_demo_mode_generates_a_secret_key_and_keeps_it(tmp_path):
    env = {"DIGIFYS_DEMO": "1", "DIGIFYS_VAR_DIR": str(tmp_path)}
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _django(env, code)
    second = _django(env, code)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) > 40


def test_it_reads_database_url(tmp_path):
    env = {
        "SECRET_KEY": "x" * 50,
        "MFA_ENCRYPTION_KEY": "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=",
        "DATABASE_URL": "postgres://u:p@db.internal:5433/digifys",
    }
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['HOST'], d['PORT'], d['NAME'])"
    )
    result = _django(env, code)
    assert result.stdout.split() == ["db.internal", "5433", "digifys"]


def test_a_malformed_boolean_fails_loudly():
    result = _django({"SECRET_KEY": "x" * 50, "DEBUG": "maybe"}, "pass")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    source = (ROOT / "digifys" / "settings.py").read_text()
    read = set(re.findall(r'_env_\w+\("([A-Z_]+)"', source))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source)) - {"PYTEST_VERSION"}
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read - documented == set()
