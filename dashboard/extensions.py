"""Flask extensions, created unbound at import and bound to an app in `create_app`."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
csrf = CSRFProtect()
# Only the views that name a limit are limited (dashboard/auth/limits.py). The storage is
# RATELIMIT_STORAGE_URI from the config. A moving window has no boundary at which a second
# burst is allowed at once; if Redis is down each process counts in memory rather than
# refusing every sign-in.
limiter = Limiter(
    key_func=get_remote_address,
    strategy="moving-window",
    headers_enabled=True,
    in_memory_fallback_enabled=True,
    key_prefix="dashboard",
)
