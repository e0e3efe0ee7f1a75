"""SECRET_KEY, the one key every service of ours signs with (channel metadata, talk tokens,
dashboard sessions). Standard library only: Rasa's environment loads it for our channels."""
from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path


class SecretKeyMissing(RuntimeError):
    """Outside development SECRET_KEY must come from the environment."""


def load_secret_key(environ: Mapping[str, str] | None = None) -> str:
    """SECRET_KEY from the environment; in development, a random key made on first use and
    kept in var/secret_key, so every local service shares it and no key is ever a constant."""
    env = os.environ if environ is None else environ
    key = env.get("SECRET_KEY", "")
    if key:
        return key
    if env.get("APP_ENV", "development") not in {"development", "test"}:
        raise SecretKeyMissing("SECRET_KEY must be set to a random value outside development "
                               "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    return kept_secret(env, "secret_key", lambda: secrets.token_urlsafe(48))


def kept_secret(environ: Mapping[str, str], name: str, make: Callable[[], str]) -> str:
    """A development secret kept in var/<name> (mode 0600), made by `make` on first use.
    Written whole under another name and linked into place, so services starting together
    agree on one value and none reads a half-written file."""
    path = Path(environ.get("VAR_DIR") or Path(__file__).resolve().parent.parent / "var") / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
