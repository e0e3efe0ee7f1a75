"""The installable app: the web app manifest, the service worker (built by Workbox into
static/sw.js, served from the site root so its scope covers every page), the offline page,
and content-versioned static URLs so an update never mixes old and new files."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pwa", __name__, template_folder="templates")

from dashboard.pwa import routes  # noqa: E402,F401  (registers views on bp)
