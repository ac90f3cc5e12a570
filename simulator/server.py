"""Running the app: cheroot (a multi-threaded HTTP/1.1 WSGI server) in a thread of this process, plain HTTP and
HTTPS side by side; or gunicorn workers (``--workers``)."""

from __future__ import annotations

import gc
import logging
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.http import HTTP_STATUS_CODES

if TYPE_CHECKING:
    from cheroot.wsgi import Server

    from .tls import TlsFiles

THREADS = 16  # requests served at once by one in-process server (keep-alive connections wait without a thread)
SHUTDOWN_WAIT = 2  # seconds stop() lets the requests under way finish


@dataclass
class RunningServer:
    server: Server
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.stop()
        self.thread.join(timeout=5)
        # cheroot files every server's statistics in the logging module's ``statistics`` dict, under its id, and
        # never takes them out: a process that starts and stops servers (a port per world) would keep them all.
        statistics = getattr(logging, "statistics", {})
        for key in [k for k, v in statistics.items() if v is self.server.stats]:
            del statistics[key]


def start_server(
    app,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: TlsFiles | None = None,
    threaded: bool = True,
    threads: int = THREADS,
) -> RunningServer:
    """Serve ``app`` on a background thread (a pool of ``threads`` request threads; one if not ``threaded``);
    ``port=0`` picks a free port. Returns the base URL: one a client can open (``127.0.0.1`` for ``0.0.0.0``)."""
    from cheroot.wsgi import Server

    server = Server(
        (host, port),
        with_reason_phrases(app),
        numthreads=threads if threaded else 1,
        server_name="pcsim",
        shutdown_timeout=SHUTDOWN_WAIT,
    )
    # How often the server's loop looks up from waiting on its connections (idle keep-alive ones expire, a stop is
    # seen): stopping a server with a client still connected (every test that starts one) takes this long.
    server.expiration_interval = 0.05
    if tls is not None:
        server.ssl_adapter = _tls_adapter(tls)
    # Prepared (bound, its request threads started) and served from a daemon thread: the threads it starts are
    # daemons too (a thread is one if the thread that made it is), so a process that never stops the server (a
    # failed start, a script that forgets) still exits.
    prepared = threading.Event()
    failed: list[BaseException] = []

    def run() -> None:
        try:
            server.prepare()
        except BaseException as exc:  # noqa: BLE001 - told to the caller, below
            failed.append(exc)
            return
        finally:
            prepared.set()
        server.serve()

    thread = threading.Thread(target=run, name=f"pcsim-{host}:{port}", daemon=True)
    thread.start()
    prepared.wait()
    if failed:
        raise failed[0]
    bound_port = server.bind_addr[1]
    scheme = "https" if tls else "http"
    return RunningServer(server, thread, f"{scheme}://{url_host(host, tls is not None)}:{bound_port}")


def url_host(host: str, tls: bool = False) -> str:
    """The host of a URL to reach a server bound to ``host``: an address for "any address" that a client can open
    (the local CA's certificate names ``localhost``), IPv6 in brackets."""
    if host in ("0.0.0.0", "127.0.0.1", "::", "::1", "") and tls:
        return "localhost"
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _tls_adapter(tls: TlsFiles):
    from cheroot.ssl.builtin import BuiltinSSLAdapter

    return BuiltinSSLAdapter(str(tls.cert), str(tls.key))


def with_reason_phrases(app):
    """``app`` answering with the usual reason phrases (``403 Forbidden``): werkzeug writes them upper-case
    (``403 FORBIDDEN``), which clients such as the Azure CLI print as they are. A phrase of the app's own is
    kept."""

    def phrased(environ, start_response):
        def start(status: str, headers, exc_info=None):
            code, _, reason = status.partition(" ")
            phrase = HTTP_STATUS_CODES.get(int(code)) if code.isdigit() else None
            if phrase and reason == phrase.upper():
                status = f"{code} {phrase}"
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return phrased


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
            return worker_tagged(with_reason_phrases(app))

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
