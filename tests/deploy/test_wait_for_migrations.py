"""The init container's script (deploy/kubernetes/base/wait_for_migrations.py) on real
databases: a schema at the newest revision lets the pod start; an empty or an older one
holds it back until the migration Job has run."""
from __future__ import annotations

import os
import subprocess
import sys

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from business.db import make_engine
from business.settings import ROOT

SCRIPT = ROOT / "deploy" / "kubernetes" / "base" / "wait_for_migrations.py"


def check_once(database_url: str) -> subprocess.CompletedProcess:
    # As in the pod: run from the app's folder with DATABASE_URL from the secret.
    return subprocess.run([sys.executable, str(SCRIPT), "--once"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "DATABASE_URL": database_url}, timeout=60)


def test_a_current_schema_lets_the_pod_start(database_url):
    result = check_once(database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "schema is current" in result.stdout


def test_an_empty_database_holds_the_pod_back(tmp_path):
    assert check_once(f"sqlite:///{tmp_path / 'empty.db'}").returncode == 1


def test_an_older_schema_holds_the_pod_back(database_url):
    """The database says it is one revision behind the image (a new release whose Job has
    not run yet)."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "business" / "migrations"))
    [head] = ScriptDirectory.from_config(config).get_heads()
    older = ScriptDirectory.from_config(config).get_revision(head).down_revision
    older = older[0] if isinstance(older, tuple) else older
    with make_engine(database_url).begin() as connection:
        config.attributes["connection"] = connection
        command.stamp(config, older, purge=True)
    assert check_once(database_url).returncode == 1
