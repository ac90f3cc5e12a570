"""Partner Center's tracing headers: MS-RequestId and MS-CorrelationId echoed (or made), MS-CV, MS-ServerId."""

from __future__ import annotations

import uuid

from flask import request

from .. import context as ctx


def add_headers(response):
    response.headers["MS-RequestId"] = ctx.request_id("MS-RequestId")
    response.headers["MS-CorrelationId"] = request.headers.get("MS-CorrelationId") or str(uuid.uuid4())
    response.headers["MS-CV"] = request.headers.get("MS-CV") or "pcsim.0"
    response.headers["MS-ServerId"] = "pcsim"
    return response
