"""Backup and restore on SQLite say clearly that they need PostgreSQL (issue #17 §4)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _manage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "digifys.settings",
        "DIGIFYS_DEMO": "1",
        "DIGIFYS_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_backup_on_sqlite_says_it_requires_postgresql(tmp_path):
    result = _manage(tmp_path, "backup", str(tmp_path / "backup"))
    assert result.returncode == 1
    assert "backup and restore require PostgreSQL" in result.stderr
    assert "sqlite" in result.stderr
    assert not (tmp_path / "backup").exists()


def test_restore_on_sqlite_says_it_requires_postgresql(tmp_path):
    (tmp_path / "backup").mkdir()
    result = _manage(tmp_path, "restore", str(tmp_path / "backup"))
    assert result.returncode == 1
    assert "backup and restore require PostgreSQL" in result.stderr
