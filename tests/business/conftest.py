"""Fixtures shared by the business package's tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def broker_url(tmp_path):
    """The SQL event broker's own database, as in the embedded setup (never the tracker's:
    both tables are called `events`), with the table Rasa 3.6's SQLEventBroker creates."""
    from business.db import get_engine
    from tests.business.test_transcripts import broker_events

    url = f"sqlite:///{tmp_path / 'rasa_events.db'}"
    broker_events.create(get_engine(url))
    return url
