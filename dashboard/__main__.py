"""`python -m dashboard`: serve the dashboard with Flask's built-in server on
DASHBOARD_HOST:DASHBOARD_PORT (127.0.0.1:8080). Use gunicorn for production."""
from __future__ import annotations

from dashboard import create_app
from dashboard.config import server_address


def main() -> None:
    host, port = server_address()
    create_app().run(host=host, port=port)


if __name__ == "__main__":
    main()
