"""The action server registers every custom action the domain names, and nothing fails
to load (an abstract helper class must not be taken for an action)."""
from __future__ import annotations

from rasa_sdk.executor import ActionExecutor

from tests.actions.conftest import domain


def test_every_domain_action_is_served():
    executor = ActionExecutor()
    executor.register_package("actions")
    custom = {a for a in domain()["actions"] if a.startswith(("action_", "validate_"))}
    assert custom <= set(executor.actions), sorted(custom - set(executor.actions))
