"""Every world at its own root: a port per world, on the main server's interface, where that world's surfaces are
served at the default world's paths (``<root>/login/<tenant>``, ``<root>/<tenant>/oauth2/v2.0/token``,
``<root>/partnercenter/v1``...). Clients that read an authority's first path segment as the tenant (MSAL, the
Azure CLI) cannot use ``/worlds/<id>/login/<tenant>``; at a world's root they see the tenant.

A root is opened on demand (when the control plane answers a world's ``url``) by the process that answers, with
TLS when the request that asked came over HTTPS and the server has its certificates, and closed when the world is
deleted or expires. The same app serves it: :class:`WorldRootApp` only names the world, as ``/worlds/<id>`` does.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .server import RunningServer, start_server

if TYPE_CHECKING:
    from .tls import TlsFiles

# A world's root serves one client (a test, a tool) at a time, mostly: a few threads each, as every world (a test
# suite makes hundreds) has its own.
ROOT_THREADS = 4
# Not a world's: the control plane and the UI (which pick any world) are served at the main server's root only.
MAIN_ONLY = ("/sim", "/ui")


class WorldRootApp:
    """The app, serving one world at the root: sets ``environ["pcsim.world"]`` (which ``/worlds/<id>`` then
    cannot change) and refuses the control plane and the UI, which are the main server's."""

    def __init__(self, app, world_id: str):
        self.app, self.world_id = app, world_id

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if any(path == p or path.startswith(p + "/") for p in MAIN_ONLY):
            message = f"this is the root of world {self.world_id!r}: {path.split('/')[1]} is at pcsim's main address"
            body = json.dumps({"error": {"code": "NotFound", "message": message}}).encode()
            start_response("404 Not Found", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        environ["pcsim.world"] = self.world_id
        return self.app(environ, start_response)


class WorldRoots:
    """The world roots this process serves, by (world id, scheme)."""

    def __init__(self, app, host: str, tls: TlsFiles | None = None):
        self.app, self.host, self.tls = app, host, tls
        self._servers: dict[tuple[str, str], RunningServer] = {}
        self._lock = threading.Lock()

    def url(self, world_id: str, request_root: str) -> str:
        """The root of ``world_id`` as seen by a client that reached pcsim at ``request_root`` (its scheme and
        host name, the world's port); opened now if this process does not serve it yet."""
        asked = urlsplit(request_root)
        scheme = "https" if asked.scheme == "https" and self.tls is not None else "http"
        with self._lock:
            server = self._servers.get((world_id, scheme))
            if server is None:
                server = start_server(
                    WorldRootApp(self.app, world_id),
                    self.host,
                    0,
                    tls=self.tls if scheme == "https" else None,
                    threads=ROOT_THREADS,
                )
                self._servers[(world_id, scheme)] = server
        host = asked.hostname or "localhost"
        host = f"[{host}]" if ":" in host else host
        return f"{scheme}://{host}:{urlsplit(server.url).port}"

    def serving(self) -> set[str]:
        """The worlds this process has a root open for."""
        with self._lock:
            return {world_id for world_id, _ in self._servers}

    def close(self, *world_ids: str) -> None:
        """Close the roots of these worlds (deleted or expired); a world without one is no error."""
        with self._lock:
            closing = [self._servers.pop(key) for key in list(self._servers) if key[0] in world_ids]
        for server in closing:
            server.stop()

    def keep_only(self, live: set[str]) -> None:
        """Close the roots of worlds that no longer exist (deleted by another process, say)."""
        self.close(*(self.serving() - live))

    def close_all(self) -> None:
        self.close(*self.serving())
