"""The owner's web dashboard: a Flask application factory.

Run it with `python -m dashboard` (DASHBOARD_HOST/DASHBOARD_PORT, default 127.0.0.1:8080)
or in production `gunicorn --bind 127.0.0.1:8080 'dashboard:create_app()'`."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from dashboard import db, errors, formatting, security
from dashboard.config import load_config
from dashboard.auth import roles
from dashboard.extensions import csrf, limiter, login_manager
from dashboard.pwa import static_versions


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; `config` overrides values read from the environment (tests pass
    DATABASE_URL, TESTING and SECRET_KEY)."""
    app = Flask(__name__)
    app.config.from_mapping(load_config(config))
    if app.config["PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"],
                                x_proto=app.config["PROXY_COUNT"], x_host=app.config["PROXY_COUNT"])

    # The UTF-8 guard must run before CSRFProtect's hook, which parses the form.
    security.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)  # after CSRF: a request without a valid token is refused before it counts
    login_manager.init_app(app)
    roles.init_app(app)  # after the login manager: the hook asks who is signed in
    errors.init_app(app)
    formatting.init_app(app)
    static_versions.init_app(app)

    from dashboard import health
    from dashboard.account import bp as account_bp
    from dashboard.analytics import bp as analytics_bp
    from dashboard.api import bp as api_bp
    from dashboard.appointments import bp as appointments_bp
    from dashboard.auth import bp as auth_bp
    from dashboard.calendar import bp as calendar_bp
    from dashboard.calls import bp as calls_bp
    from dashboard.customers import bp as customers_bp
    from dashboard.jobs import bp as jobs_bp
    from dashboard.leads import bp as leads_bp
    from dashboard.live import bp as live_bp
    from dashboard.notifications import bp as notifications_bp
    from dashboard.outbox import bp as outbox_bp
    from dashboard.pwa import bp as pwa_bp
    from dashboard.settings import bp as settings_bp
    from dashboard.talk import bp as talk_bp
    from dashboard.technicians import bp as technicians_bp
    from dashboard.today import bp as today_bp
    from dashboard.twilio_webhooks import bp as twilio_webhooks_bp
    from dashboard.widget import bp as widget_bp

    for blueprint in (health.bp, pwa_bp, auth_bp, today_bp, customers_bp, leads_bp, jobs_bp, account_bp,
                      appointments_bp, calendar_bp, calls_bp, live_bp, talk_bp, outbox_bp, notifications_bp, settings_bp,
                      technicians_bp, analytics_bp, api_bp, twilio_webhooks_bp, widget_bp):
        app.register_blueprint(blueprint)
    return app
