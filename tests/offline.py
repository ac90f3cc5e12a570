"""``no_internet``: a fixture for tests of clients that must never leave this machine (the official Azure and
Microsoft clients look up Microsoft's hosts when misconfigured)."""

from __future__ import annotations

import socket

import pytest

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@pytest.fixture
def no_internet(monkeypatch):
    """Any host name other than localhost is refused, and fails the test even if a client swallowed the error."""
    looked_up = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOCAL_HOSTS:
            looked_up.append(name)
            raise socket.gaierror(socket.EAI_NONAME, f"no internet in the tests ({name})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for name in ("AZURE_AUTHORITY_HOST", "AZURE_REGIONAL_AUTHORITY_NAME", "MSAL_FORCE_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    yield
    assert not looked_up, f"a client tried to reach {looked_up}"
