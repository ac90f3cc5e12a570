"""One OpenAPI document (flask-smorest) per surface, each with a Swagger UI under ``/docs/<surface>/``."""
from __future__ import annotations

import flask_smorest
from flask_smorest import Api
from webargs.flaskparser import FlaskParser

SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"
DOCUMENTED: list[dict] = []


class _Parser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 400  # every surface answers a refused argument with a 400 in its own body


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, documenting (and raising) 400 for arguments the surface refuses."""

    ARGUMENTS_PARSER = _Parser()


def make_api(app, key: str, title: str, description: str, version: str = "v1", error_schema=None) -> Api:
    """The surface's OpenAPI document; ``error_schema`` (a marshmallow schema) is the surface's own error body,
    documented as the ``default`` response of every operation (and for each error status it names)."""
    prefix = key.upper() + "_"
    if error_schema is not None:
        Api_ = type(f"{key.title()}Api", (Api,), {"ERROR_SCHEMA": error_schema})
    else:
        Api_ = Api
    app.config.update({
        f"{prefix}API_TITLE": title, f"{prefix}API_VERSION": version, f"{prefix}OPENAPI_VERSION": "3.0.3",
        f"{prefix}OPENAPI_URL_PREFIX": f"/docs/{key}", f"{prefix}OPENAPI_JSON_PATH": "openapi.json",
        f"{prefix}OPENAPI_SWAGGER_UI_PATH": "/", f"{prefix}OPENAPI_SWAGGER_UI_URL": SWAGGER_UI_URL,
    })
    api = Api_(app, config_prefix=prefix, spec_kwargs={"info": {"description": description}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    api.spec.options["security"] = [{"bearer": []}]
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
