"""Running the app: werkzeug servers in threads (plain HTTP and HTTPS side by side), or gunicorn workers."""

from __future__ import annotations

import gc
import os
import ssl
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from .tls import TlsFiles


@dataclass
class RunningServer:
    server: BaseWSGIServer
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_server(
    app, host: str = "127.0.0.1", port: int = 0, tls: TlsFiles | None = None, threaded: bool = True
) -> RunningServer:
    """Serve ``app`` on a background thread; ``port=0`` picks a free port. Returns the base URL."""
    context = None
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.cert, tls.key)
    server = make_server(host, port, app, threaded=threaded, ssl_context=context)
    # A short poll interval: stopping a server (every test that starts one) then takes milliseconds.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"pcsim-{server.port}", daemon=True
    )
    thread.start()
    scheme = "https" if tls else "http"
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") and tls else host
    return RunningServer(server, thread, f"{scheme}://{shown}:{server.port}")


def run_gunicorn(
    app_factory, bind: list[str], workers: int, certfile: str | None = None, keyfile: str | None = None
) -> None:
    """Production mode: gunicorn with ``workers`` processes, all on the same database."""
    from gunicorn.app.base import BaseApplication

    class PcsimGunicorn(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            if certfile:
                self.cfg.set("certfile", certfile)
                self.cfg.set("keyfile", keyfile)

        def load(self):
            app = app_factory()
            gc.freeze()  # the app lives as long as the worker: no collection need scan it again (see cli.serve)
            return worker_tagged(app)

    PcsimGunicorn().run()


WORKER_HEADER = "x-pcsim-worker"


def worker_tagged(app):
    """``app`` answering with the worker process that served each request (``x-pcsim-worker: <pid>``): behind one
    port, which of the gunicorn workers answered (the tests prove with it that two workers share one state)."""

    def tagged(environ, start_response):
        worker = str(os.getpid())

        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, (WORKER_HEADER, worker)], exc_info)

        return app(environ, start)

    return tagged
