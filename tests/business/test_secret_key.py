"""SECRET_KEY: random and private in development, required from the environment elsewhere."""
from __future__ import annotations

import os
import stat

import pytest

from business.secret_key import SecretKeyMissing, load_secret_key


def test_development_key_is_random_kept_and_private(tmp_path):
    first = load_secret_key({"VAR_DIR": str(tmp_path)})
    assert len(first) >= 48 and first == load_secret_key({"VAR_DIR": str(tmp_path)})
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    other = tmp_path / "other"
    assert load_secret_key({"VAR_DIR": str(other)}) != first
    assert load_secret_key({"VAR_DIR": str(tmp_path), "SECRET_KEY": "from-env"}) == "from-env"


def test_production_needs_the_key_from_the_environment(tmp_path):
    with pytest.raises(SecretKeyMissing):
        load_secret_key({"APP_ENV": "production", "VAR_DIR": str(tmp_path)})
    assert not (tmp_path / "secret_key").exists()
