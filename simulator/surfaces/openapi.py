"""One OpenAPI document (flask-smorest) per surface, each with a Swagger UI under ``/docs/<surface>/``.

The documents are built on their first use (a ``/docs/<surface>/openapi.json`` request, or ``api.spec``), not
while the app is created: flask-smorest deep-copies every view's documentation as the view is declared, and
resolves schemas for each document's base and each blueprint registered, about a tenth of pcsim's cold start
for documents most runs never serve. The documents are the same: the same calls, in the same order."""
from __future__ import annotations

import threading

import flask_smorest
from flask_smorest import Api
from flask_smorest.spec import openapi_cli
from webargs.flaskparser import FlaskParser

SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"
DOCUMENTED: list[dict] = []
_LOCK = threading.RLock()  # building documents (rare, short): one lock for all


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # every surface answers a refused argument with a 400 in its own body


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, documenting (and raising) 400 for arguments the surface refuses; a view's
    documentation is collected when a document needs it (the ``/usgov`` copies of a surface never do)."""

    ARGUMENTS_PARSER = _Parser()

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        self.__dict__.setdefault("_pending_docs", []).append((endpoint, obj, parameters, tags, options))

    @property
    def _docs(self) -> dict:
        state = self.__dict__
        if state.get("_pending_docs"):
            with _LOCK:  # another thread waits for all of them; this one's nested reads go through
                if not state.get("_storing"):
                    state["_storing"] = True
                    try:
                        while state["_pending_docs"]:
                            endpoint, obj, parameters, tags, options = state["_pending_docs"][0]
                            super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
                            del state["_pending_docs"][0]
                    finally:
                        state["_storing"] = False
        return state["_docs_stored"]

    @_docs.setter
    def _docs(self, value: dict) -> None:
        self.__dict__["_docs_stored"] = value


class _Api(Api):
    """An Api whose document is built on the first read of ``spec``: its base (flask-smorest resolves the error
    schema for a response to each of the 63 HTTP statuses), then ``on_spec`` functions, then the registered
    blueprints' views, in that order, as if built at once."""

    def _init_spec(self, **kwargs):
        self.__dict__["_spec_init"] = kwargs
        self._app.cli.add_command(openapi_cli)  # ``flask openapi`` (as flask-smorest's _init_spec does)

    def on_spec(self, setup) -> None:
        """Call ``setup(spec)`` once the document's base is built (before the views are added)."""
        self.__dict__.setdefault("_spec_setup", []).append(setup)

    def register_blueprint(self, blp, *, parameters=None, **options):
        """As flask-smorest's (the routes now), but the views are documented when ``spec`` is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        with _LOCK:
            self.__dict__.setdefault("_pending_views", []).append((blp, name, parameters))

    @property
    def spec(self):
        state = self.__dict__
        if state.get("_spec_init") is not None or state.get("_pending_views"):
            with _LOCK:  # another thread waits for the whole document; this one's nested reads go through
                if not state.get("_storing"):
                    state["_storing"] = True
                    try:
                        self._build_spec(state)
                    finally:
                        state["_storing"] = False
        return state.get("_spec")

    @spec.setter
    def spec(self, value) -> None:
        self.__dict__["_spec"] = value

    def _build_spec(self, state: dict) -> None:
        if state.get("_spec_init") is not None:
            super()._init_spec(**state["_spec_init"])
            for setup in state.get("_spec_setup", ()):
                setup(state["_spec"])
            state["_spec_init"] = None
        while state.get("_pending_views"):
            blp, name, parameters = state["_pending_views"][0]
            blp.register_views_in_doc(self, self._app, state["_spec"], name=name, parameters=parameters)
            state["_spec"].tag({"name": name, "description": blp.description})
            del state["_pending_views"][0]


def _bearer(spec) -> None:
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.options["security"] = [{"bearer": []}]


def make_api(app, key: str, title: str, description: str, version: str = "v1", error_schema=None) -> Api:
    """The surface's OpenAPI document; ``error_schema`` (a marshmallow schema) is the surface's own error body,
    documented as the ``default`` response of every operation (and for each error status it names)."""
    prefix = key.upper() + "_"
    if error_schema is not None:
        Api_ = type(f"{key.title()}Api", (_Api,), {"ERROR_SCHEMA": error_schema})
    else:
        Api_ = _Api
    app.config.update({
        f"{prefix}API_TITLE": title, f"{prefix}API_VERSION": version, f"{prefix}OPENAPI_VERSION": "3.0.3",
        f"{prefix}OPENAPI_URL_PREFIX": f"/docs/{key}", f"{prefix}OPENAPI_JSON_PATH": "openapi.json",
        f"{prefix}OPENAPI_SWAGGER_UI_PATH": "/", f"{prefix}OPENAPI_SWAGGER_UI_URL": SWAGGER_UI_URL,
    })
    api = Api_(app, config_prefix=prefix, spec_kwargs={"info": {"description": description}})
    api.on_spec(_bearer)
    if not any(d["key"] == key for d in DOCUMENTED):
        DOCUMENTED.append({"key": key, "title": title, "description": description})
    return api


def mount_per_cloud(app, api: Api, make_blueprint, path: str, render) -> list:
    """Mount a surface once per cloud (R14): the public cloud's blueprint documented in ``api``, the others
    (``/usgov`` + ``path``) beside it. Returns the (path prefix, error renderer) pairs."""
    from ..domain.catalog import CLOUD_PREFIX

    prefixes = []
    for cloud, cloud_prefix in CLOUD_PREFIX.items():
        prefix = cloud_prefix + path
        register = api.register_blueprint if cloud == "public" else app.register_blueprint
        register(make_blueprint(cloud), url_prefix=prefix)
        prefixes.append((prefix, render))
    return prefixes
