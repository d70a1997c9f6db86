"""Runs moto (all services, so Cognito and S3) in-process on one port, with the patches and the
/_dev endpoints. Import the `emulator` package first (it sets moto's environment switches)."""

from __future__ import annotations

import os
import threading

from . import DEFAULT_HOST, DEFAULT_PORT  # noqa: F401  (also sets the env before moto loads)
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server  # noqa: E402

from . import config, patches  # noqa: E402
from .devapi import DevApiMiddleware  # noqa: E402


class QuietRequestHandler(MotoRequestHandler):
    """No access-log line per request (errors are still logged)."""

    def log_request(self, *args, **kwargs) -> None:  # type: ignore[override]
        pass


def create_app():
    """The WSGI app: /_dev/* endpoints, everything else moto's dispatcher (as `moto_server`).

    Reads the start-up switches (EMULATOR_UNCONFIRMED_FIRST); ValueError when one is malformed."""
    config.load_startup()
    patches.apply()
    return DevApiMiddleware(DomainDispatcherApplication(create_backend_app))


class EmulatorServer:
    """`start()` binds and serves in a background thread; `stop()` shuts down. Port 0 = any free port."""

    def __init__(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, quiet: bool = False) -> None:
        self.host = host
        self.requested_port = port
        self.quiet = quiet
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "call start() first"
        return self._server.server_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> EmulatorServer:
        app = create_app()
        handler = QuietRequestHandler if self.quiet else MotoRequestHandler
        self._server = make_server(self.host, self.requested_port, app, threaded=True, request_handler=handler)
        # moto sends some requests to itself at this port.
        os.environ["MOTO_PORT"] = str(self.port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None
