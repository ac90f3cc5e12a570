"""``/docs``: an index of the surfaces' OpenAPI documents, each document and its Swagger UI page."""
from __future__ import annotations

from html import escape

from flask import Blueprint, abort, request, url_for

from .openapi import DOCUMENTS, SWAGGER_UI_URL

bp = Blueprint("docs_index", __name__)


@bp.get("/docs")
@bp.get("/docs/")
def index():
    documents = list(DOCUMENTS.values())
    if request.accept_mimetypes.best == "application/json":
        return {"surfaces": [{"key": d.key, "title": d.title, "description": d.description,
                              "ui": f"/docs/{d.key}/", "openapi": f"/docs/{d.key}/openapi.json"}
                             for d in documents]}
    items = "".join(
        f"<li><a href='/docs/{escape(d.key)}/'>{escape(d.title)}</a> "
        f"(<a href='/docs/{escape(d.key)}/openapi.json'>openapi.json</a>): {escape(d.description)}</li>"
        for d in documents)
    return (f"<!doctype html><html><head><title>pcsim API docs</title></head><body><h1>pcsim surfaces</h1>"
            f"<ul>{items}</ul></body></html>")


def _document(key: str):
    document = DOCUMENTS.get(key)
    if document is None:
        abort(404)
    return document


@bp.get("/docs/<key>/openapi.json")
def openapi_json(key: str):
    return _document(key).spec()


@bp.get("/docs/<key>/")
def swagger_ui(key: str):
    document = _document(key)
    spec_url = url_for("docs_index.openapi_json", key=key)
    return (f"<!doctype html><html><head><title>{escape(document.title)}</title>"
            f"<link href='{SWAGGER_UI_URL}swagger-ui.css' rel='stylesheet' type='text/css'/></head><body>"
            f"<div id='swagger-ui-container'></div>"
            f"<script src='{SWAGGER_UI_URL}swagger-ui-standalone-preset.js'></script>"
            f"<script src='{SWAGGER_UI_URL}swagger-ui-bundle.js'></script>"
            f"<script>window.onload = function() {{ window.ui = SwaggerUIBundle({{url: '{spec_url}', "
            f"dom_id: '#swagger-ui-container'}}); }}</script></body></html>")


def register(app) -> None:
    app.register_blueprint(bp)
