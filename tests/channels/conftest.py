"""Channel tests use the echo Rasa fixture of tests/conftest.py (`echo_rasa`)."""
from tests.conftest import ECHO_DASHBOARD_PORT as DASHBOARD_PORT  # noqa: F401 - shared by the channel tests
from tests.conftest import ECHO_SECRET_KEY as SECRET_KEY  # noqa: F401
