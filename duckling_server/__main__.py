"""Run the Duckling service under gunicorn: `python -m duckling_server` (DUCKLING_HOST, DUCKLING_PORT).

Equivalent command line:
    gunicorn --bind 127.0.0.1:8000 --workers 2 --threads 1 --timeout 10 --no-control-socket \
        'duckling_server.app:create_app()'

Why these options: the library is built on GHC's non-threaded runtime and holds the GIL for the
whole parse, so threads add no parallelism; parallelism comes from worker processes. The app is
not preloaded, so each worker imports `duckling` after the fork and starts its own Haskell runtime
(the runtime's timer does not survive a fork). A short timeout recycles a worker stuck on one of
the inputs that make Duckling run for minutes, which nothing inside the process can interrupt.
"""
from __future__ import annotations

from gunicorn.app.base import BaseApplication

from duckling_server.config import Settings


class DucklingServer(BaseApplication):
    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"{self.settings.host}:{self.settings.port}")
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("worker_class", "sync")
        self.cfg.set("threads", 1)
        self.cfg.set("timeout", self.settings.worker_timeout)
        self.cfg.set("preload_app", False)
        self.cfg.set("proc_name", "duckling_server")
        # gunicorn 27's runtime-control socket sits at one path per user, so a second instance
        # (tests, a dev copy) would take it over; nothing here uses it.
        self.cfg.set("control_socket_disable", True)

    def load(self):
        # Imported here, in the worker after the fork, so the master never starts Haskell.
        from duckling_server.app import create_app

        return create_app(self.settings)


def main() -> None:
    DucklingServer(Settings.from_env()).run()


if __name__ == "__main__":
    main()
