"""Flask extensions, created unbound at import and bound to an app in `create_app`."""
from __future__ import annotations

from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
csrf = CSRFProtect()
