"""Settings of the voice bridge, read from the environment in one place."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8081

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        raw_port = env.get("VOICE_BRIDGE_PORT") or str(cls.port)
        if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            raise ValueError(f"VOICE_BRIDGE_PORT must be a port number, got {raw_port!r}")
        return cls(host=env.get("VOICE_BRIDGE_HOST") or cls.host, port=int(raw_port))
