"""``/docs``: an index of the surfaces' OpenAPI documents, each document and its Swagger UI page (served from
the swagger-ui-bundle package: the pages work offline); ``/`` points to the docs and the UI."""

from __future__ import annotations

from html import escape
from pathlib import Path

from flask import Blueprint, abort, request, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path

from .openapi import DOCUMENTS

bp = Blueprint("docs_index", __name__)

STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:60rem;margin:2rem auto;"
    "padding:0 1rem;color:#1b1b1b;line-height:1.5}h1{font-weight:600}a{color:#0f6cbd}li{margin:.6rem 0}"
    "code{background:#f3f3f3;padding:0 .3rem;border-radius:3px}"
)


def _page(title: str, body: str) -> str:
    icon = url_for("docs_index.favicon")
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<link rel='icon' href='{icon}'><style>{STYLE}</style></head><body>{body}</body></html>"
    )


@bp.get("/")
def root():
    """Where to go from here: the training UI, the API documents, the control plane."""
    links = {
        "ui": url_for("ui.home"),
        "docs": url_for("docs_index.index"),
        "sim": request.script_root + "/sim/worlds",
        "health": request.script_root + "/health",
    }
    if request.accept_mimetypes.best == "application/json":
        return {"name": "pcsim", "links": links}
    return _page(
        "pcsim",
        "<h1>pcsim: the Partner Center Simulator</h1><ul>"
        f"<li><a href='{links['ui']}'>Training UI</a>: personas, Partner Center, Azure portal, Microsoft 365 "
        "admin center, trainer</li>"
        f"<li><a href='{links['docs']}'>API documents</a>: every surface's OpenAPI document and Swagger UI</li>"
        f"<li><a href='{links['sim']}'>Control plane</a>: <code>/sim/worlds</code> (worlds, clock, faults, "
        "journal)</li></ul>",
    )


@bp.get("/docs")
@bp.get("/docs/")
def index():
    documents = list(DOCUMENTS.values())
    if request.accept_mimetypes.best == "application/json":
        return {
            "surfaces": [
                {
                    "key": d.key,
                    "title": d.title,
                    "description": d.description,
                    "ui": f"/docs/{d.key}/",
                    "openapi": f"/docs/{d.key}/openapi.json",
                }
                for d in documents
            ]
        }
    items = "".join(
        f"<li><a href='/docs/{escape(d.key)}/'>{escape(d.title)}</a> "
        f"(<a href='/docs/{escape(d.key)}/openapi.json'>openapi.json</a>): {escape(d.description)}</li>"
        for d in documents
    )
    return _page("pcsim API docs", f"<h1>pcsim surfaces</h1><ul>{items}</ul>")


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

    def asset(name: str) -> str:
        return url_for("docs_index.swagger_asset", filename=name)

    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(document.title)}</title>"
        f"<link rel='icon' href='{url_for('docs_index.favicon')}'>"
        f"<link href='{asset('swagger-ui.css')}' rel='stylesheet' type='text/css'/></head><body>"
        f"<div id='swagger-ui-container'></div>"
        f"<script src='{asset('swagger-ui-standalone-preset.js')}'></script>"
        f"<script src='{asset('swagger-ui-bundle.js')}'></script>"
        f"<script>window.onload = function() {{ window.ui = SwaggerUIBundle({{url: '{spec_url}', "
        f"dom_id: '#swagger-ui-container'}}); }}</script></body></html>"
    )


@bp.get("/docs/assets/swagger-ui/<path:filename>")
def swagger_asset(filename: str):
    """Swagger UI's own files, from the swagger-ui-bundle package."""
    return send_from_directory(swagger_ui_path, filename, max_age=3600)


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(
        Path(__file__).parent / "ui" / "static", "favicon.png", mimetype="image/png", max_age=86400
    )


def register(app) -> None:
    app.register_blueprint(bp)
