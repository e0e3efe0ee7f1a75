"""The overlays rendered once per test session (kubectl kustomize, throwaway secrets), and\nthe machine's Redis."""
from __future__ import annotations

import os

import pytest

from tests.deploy.kubernetes import OVERLAYS, copy_with_secrets, render

REDIS_URL = "redis://127.0.0.1:6379/1"  # db 1: Rasa's lock store default


@pytest.fixture(scope="session")
def kustomize_copy(tmp_path_factory):
    return copy_with_secrets(tmp_path_factory.mktemp("deploy") / "kubernetes")


@pytest.fixture(scope="session")
def rendered(kustomize_copy) -> dict[str, list[dict]]:
    return {overlay: render(kustomize_copy / "overlays" / overlay) for overlay in OVERLAYS}


@pytest.fixture(params=OVERLAYS)
def overlay(request, rendered) -> tuple[str, list[dict]]:
    return request.param, rendered[request.param]


@pytest.fixture
def redis_server():
    """The machine's Redis, as the lock-store and claim tests need it; as for PostgreSQL:
    skipped on a laptop without Redis, a failure in CI."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        message = f"Redis is not reachable at {REDIS_URL}: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    yield REDIS_URL
    client.close()
