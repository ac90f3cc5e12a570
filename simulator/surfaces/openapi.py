"""One OpenAPI document (flask-smorest) per surface, each with a Swagger UI under ``/docs/<surface>/``.

A surface's blueprint is a module-level object registered on the serving app once per cloud. Its document is
built on first read, on a throwaway Flask app of its own where flask-smorest's ``Api`` registers the public
cloud's copy: the serving app never pays for documents most runs never read, and only flask-smorest's public
API is used."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import flask_smorest
from flask import Flask, request
from flask_smorest import Api
from webargs.flaskparser import FlaskParser


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # every surface answers a refused argument with a 400 in its own body


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, documenting (and raising) 400 for arguments the surface refuses."""

    ARGUMENTS_PARSER = _Parser()


@dataclass
class Document:
    """A surface's OpenAPI document: what it says about itself and the blueprints it documents."""

    key: str
    title: str
    description: str
    version: str = "v1"
    error_schema: object = None
    bearer: bool = True
    blueprints: list[tuple[flask_smorest.Blueprint, str]] = field(default_factory=list)
    _built: dict | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def spec(self) -> dict:
        """The document as a dict, built on first use (concurrent first readers wait for one build)."""
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def _build(self) -> dict:
        app = Flask(__name__)
        app.config.update({"API_TITLE": self.title, "API_VERSION": self.version, "OPENAPI_VERSION": "3.0.3"})
        api_class = (
            type(f"{self.key.title()}Api", (Api,), {"ERROR_SCHEMA": self.error_schema})
            if self.error_schema is not None
            else Api
        )
        api = api_class(app, spec_kwargs={"info": {"description": self.description}})
        if self.bearer:
            api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
            api.spec.options["security"] = [{"bearer": []}]
        for blueprint, prefix in self.blueprints:
            api.register_blueprint(blueprint, url_prefix=prefix)
        return api.spec.to_dict()


DOCUMENTS: dict[str, Document] = {}
CLOUD_OF_BLUEPRINT: dict[str, str] = {}  # registered blueprint name -> cloud


def make_api(
    app, key: str, title: str, description: str, version: str = "v1", error_schema=None, bearer: bool = True
) -> Document:
    """The surface's OpenAPI document; ``error_schema`` (a marshmallow schema) is the surface's own error body,
    documented as the ``default`` response of every operation (and for each error status it names)."""
    document = DOCUMENTS.get(key)
    if document is None:
        document = DOCUMENTS[key] = Document(key, title, description, version, error_schema, bearer)
    return document


def mount(
    app,
    document: Document | None,
    blueprint: flask_smorest.Blueprint,
    prefix: str,
    cloud: str = "public",
    name: str | None = None,
) -> None:
    """Register ``blueprint`` at ``prefix`` for ``cloud``; the public cloud's copy is the one documented
    (``document`` None: a copy documented nowhere, such as the sign-in surface's second public mount)."""
    name = name or blueprint.name
    app.register_blueprint(blueprint, url_prefix=prefix, name=name)
    CLOUD_OF_BLUEPRINT[name] = cloud
    if document is not None and cloud == "public" and (blueprint, prefix) not in document.blueprints:
        document.blueprints[:] = [(b, p) for b, p in document.blueprints if p != prefix] + [(blueprint, prefix)]


def mount_per_cloud(app, document: Document, blueprint, path: str, render) -> list:
    """Mount a surface once per cloud (R14): the public cloud's blueprint at ``path``, documented in
    ``document``, the others at ``/usgov`` + ``path``, each under its own name. ``blueprint`` is the surface's
    module-level blueprint (or, for a surface not yet module-level, a function of the cloud that makes one).
    Returns the (path prefix, error renderer) pairs."""
    from ..domain.catalog import CLOUD_PREFIX

    prefixes = []
    for cloud, cloud_prefix in CLOUD_PREFIX.items():
        prefix = cloud_prefix + path
        bp = blueprint if isinstance(blueprint, flask_smorest.Blueprint) else blueprint(cloud)
        name = bp.name if cloud == "public" or bp is not blueprint else f"{bp.name}_{cloud}"
        mount(app, document, bp, prefix, cloud, name)
        prefixes.append((prefix, render))
    return prefixes


def cloud() -> str:
    """The cloud of the blueprint serving this request (``public`` outside any surface)."""
    return CLOUD_OF_BLUEPRINT.get(request.blueprint or "", "public")
