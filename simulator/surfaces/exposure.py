"""Who may drive the server. On loopback (``127.0.0.1``, ``::1``, ``localhost``) everything is open, as for any
local test tool: only this machine can reach it. Bound to any other address, the control plane (``/sim``: worlds,
clock, faults, edits) and the training UI (whose pages act as any persona, without a password, and whose trainer
drives the control plane) need the server's control secret: the ``X-Pcsim-Secret`` header, or in a browser the
cookie that the UI's link printed by ``pcsim serve`` (``/ui/?pcsim-secret=...``) sets once. The surfaces
(Partner Center, Graph, Azure, Microsoft 365 admin, sign-in) keep their own sign-in and need no secret."""

from __future__ import annotations

import hmac
import ipaddress
import secrets

from flask import make_response, redirect, request

from . import context as ctx
from .sim.exceptions import error_response

HEADER = "X-Pcsim-Secret"
COOKIE = "pcsim_secret"
LINK_PARAMETER = "pcsim-secret"  # /ui/?pcsim-secret=<secret>: sets the cookie, then the same page without it
ENVIRONMENT = "PCSIM_CONTROL_SECRET"


def is_loopback(host: str) -> bool:
    """Whether a server bound to ``host`` can be reached from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any address
        return False


def secret_required(config) -> bool:
    return not is_loopback(config.host)


def settle(config) -> None:
    """Off loopback without a secret given (``--control-secret``, ``PCSIM_CONTROL_SECRET``): a new one, which the
    banner prints. On loopback a given one is kept (and sent by the UI's own calls) but never asked for."""
    if secret_required(config) and not config.control_secret:
        config.control_secret = secrets.token_urlsafe(24)


def guard():
    """``before_request``: a control-plane or UI request off loopback without the secret is refused (401 when
    none was sent, 403 when another was), in the control plane's error body."""
    config = ctx.pcsim().config
    if not secret_required(config):
        return None
    if request.blueprint == "ui" and request.endpoint != "ui.static":
        if LINK_PARAMETER in request.args:
            return _from_link(config.control_secret)
    elif request.blueprint != "sim":
        return None
    sent = request.headers.get(HEADER) or request.cookies.get(COOKIE)
    if not sent:
        return error_response(
            401,
            "Unauthorized",
            f"this pcsim listens on {config.host}, beyond this machine: the control plane and the UI need its "
            f"control secret, in the {HEADER} header (the SDK and the pytest plugin send {ENVIRONMENT}), or in "
            "a browser from the UI's link that `pcsim serve` printed",
        )
    if not _matches(sent, config.control_secret):
        return error_response(403, "Forbidden", f"the control secret sent ({HEADER}) is not this server's")
    return None


def _matches(sent: str, secret: str) -> bool:
    return hmac.compare_digest(sent.encode(), secret.encode())


def _from_link(secret: str):
    """The UI's link: the secret as a cookie of this browser, then the page without the secret in its address."""
    if not _matches(request.args[LINK_PARAMETER], secret):
        return error_response(403, "Forbidden", "the control secret in the link is not this server's")
    response = make_response(redirect(request.path))
    response.set_cookie(COOKIE, secret, httponly=True, samesite="Lax")
    return response


def control_headers() -> dict[str, str]:
    """The header of the server's own calls to its control plane (the UI's trainer), when it has a secret."""
    secret = ctx.pcsim().config.control_secret
    return {HEADER: secret} if secret else {}
