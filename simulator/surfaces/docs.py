"""``/docs``: an index of the surfaces' OpenAPI documents."""
from __future__ import annotations

from html import escape

from flask import Blueprint, request

from .openapi import DOCUMENTED

bp = Blueprint("docs_index", __name__)


@bp.get("/docs")
@bp.get("/docs/")
def index():
    if request.accept_mimetypes.best == "application/json":
        return {"surfaces": [dict(d, ui=f"/docs/{d['key']}/", openapi=f"/docs/{d['key']}/openapi.json")
                             for d in DOCUMENTED]}
    items = "".join(
        f"<li><a href='/docs/{escape(d['key'])}/'>{escape(d['title'])}</a> "
        f"(<a href='/docs/{escape(d['key'])}/openapi.json'>openapi.json</a>): {escape(d['description'])}</li>"
        for d in DOCUMENTED)
    return (f"<!doctype html><html><head><title>pcsim API docs</title></head><body><h1>pcsim surfaces</h1>"
            f"<ul>{items}</ul></body></html>")


def register(app) -> None:
    app.register_blueprint(bp)
