"""Auth attacks (issue 6, hardening), on every surface that takes a bearer token: Partner Center, Graph, Azure
Resource Manager and the Microsoft 365 admin center. Each is refused with the surface's own 401 body.

What an attacker can do: strip or swap the algorithm (``alg: none``; HS256 keyed with the server's *public* key
from its JWKS, the classic key confusion), edit the payload or header of a token it holds, sign with a key of
its own (under the server's ``kid``, an unknown one, or one it embeds in the header), replay a token past its
``exp`` or before its ``nbf``, use a token meant for another audience, another world or another partner.
test_tokens.py has the Partner Center cases of the plain ones (none, tampered tid, other key, expired, not yet
valid, a Graph token on Partner Center, another world's token); here are the other surfaces and the rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from simulator.domain.catalog import ENTRA_ROLES
from simulator.worlds import ids

from .personas import (
    ARM_SCOPE,
    CLI_CLIENT_ID,
    DOMAINS,
    GRAPH_SCOPE,
    PASSWORD,
    PC_SCOPE,
    bearer,
    tid,
    upn,
)

M365_SCOPE = "https://admin.microsoft.com/.default"
GLOBAL_ADMIN = ENTRA_ROLES["Global Administrator"]

# surface -> (scope, user, tenant the token is for (None: the user's own), a GET that needs only the token)
SURFACES = {
    "partnercenter": (PC_SCOPE, upn("northwind"), None, "/partnercenter/v1/customers"),
    "graph": (GRAPH_SCOPE, upn("northwind"), None, "/graph/v1.0/tenantRelationships/delegatedAdminRelationships"),
    "azure": (ARM_SCOPE, upn("northwind"), DOMAINS["contoso"], "/azure/subscriptions?api-version=2022-12-01"),
    "m365admin": (M365_SCOPE, upn("contoso"), None, "/m365admin/v1.0/support/options"),
}
ALL = list(SURFACES)
NOT_PC = [s for s in SURFACES if s != "partnercenter"]  # test_tokens.py covers Partner Center for these
REQUEST_ID_HEADERS = {
    "partnercenter": "MS-RequestId",
    "graph": "request-id",
    "azure": "x-ms-request-id",
    "m365admin": "request-id",
}


# --- helpers -------------------------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parts(token: str) -> tuple[dict, dict, str]:
    head, payload, signature = token.split(".")
    return json.loads(unb64(head)), json.loads(unb64(payload)), signature


def assemble(header: dict, claims: dict, signature: str = "") -> str:
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), signature])


def hmac_signed(header: dict, claims: dict, secret: bytes) -> str:
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[header["alg"]]
    signing_input = assemble(header, claims)[:-1]  # header.payload
    return f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), digest).digest())}"


def attacker_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def token_for(sign_in):
    """A genuine token for a surface (its scope, user and tenant)."""

    def token_for(surface: str) -> str:
        scope, user, tenant, _ = SURFACES[surface]
        return sign_in(user, tenant, scope=scope)

    return token_for


@pytest.fixture
def call(client):
    def call(surface: str, token: str | None, prefix: str = ""):
        path = SURFACES[surface][3]
        return client.get(prefix + path, headers=bearer(token) if token is not None else {})

    return call


# ARM's message for an expired token (e.g. microsoft/foundry-dev-tools#461, microsoft/vscode-azureappservice#2483)
ARM_TIME = r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M"
ARM_EXPIRED = rf"The access token expiry UTC time '{ARM_TIME}' is earlier than current UTC time '{ARM_TIME}'\."


def assert_refused(response, surface: str, reason: str | None = None) -> str:
    """A 401 in the surface's own body, naming ``reason``; returns the message."""
    body = response.get_json()
    assert response.status_code == 401, body
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")
    if surface in ("azure", "graph", "m365admin"):  # the world's own sign-in, as Entra's answers name theirs
        assert 'authorization_uri="http://localhost/' in response.headers["WWW-Authenticate"]
    assert response.headers.get(REQUEST_ID_HEADERS[surface]) and response.headers.get("x-pcsim-request-id")
    if surface == "partnercenter":
        assert set(body) == {"code", "description", "data", "source"} and body["code"] == 401, body
        assert body["source"] == "PartnerFD" and body["description"].startswith("Unauthorized: ")
        message = body["description"]
    elif surface == "azure" and reason == "expired":  # ARM's own code and message for an expired token
        assert set(body) == {"error"} and body["error"]["code"] == "ExpiredAuthenticationToken", body
        assert re.fullmatch(ARM_EXPIRED, body["error"]["message"]), body
        message = body["error"]["additionalInfo"][0]["info"]["reason"]
    elif surface == "azure":
        assert set(body) == {"error"} and body["error"]["code"] == "InvalidAuthenticationToken", body
        message = body["error"]["message"]
    else:  # Graph, and the admin center which answers as Graph does
        assert set(body) == {"error"} and body["error"]["code"] == "InvalidAuthenticationToken", body
        assert set(body["error"]) >= {"code", "message", "innerError"}
        assert body["error"]["message"].startswith("Access token validation failure: ")
        message = body["error"]["message"]
    if reason:
        assert reason in message, message
    return message


def assert_all_refused(call, surface: str, forged: dict[str, str], reason: str | None = None) -> None:
    """Every forged token (by label) refused, with the surface's 401 naming ``reason``."""
    accepted = {}
    for label, token in forged.items():
        try:
            assert_refused(call(surface, token), surface, reason)
        except AssertionError as exc:
            accepted[label] = str(exc)[:300]
    assert not accepted, accepted


@pytest.mark.parametrize("surface", ALL)
def test_genuine_tokens_are_accepted(call, token_for, surface):
    """The baseline every attack below departs from."""
    assert call(surface, token_for(surface)).status_code == 200


# --- the algorithm ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("surface", ALL)
def test_alg_none_is_refused(call, token_for, surface):
    """Unsigned (test_tokens.py has PyJWT's plain 'none' on Partner Center): every spelling, with or without
    the original signature left in place."""
    header, claims, signature = parts(token_for(surface))
    assert_all_refused(
        call,
        surface,
        {
            f"{alg}, {'signature kept' if keep else 'no signature'}": assemble(
                header | {"alg": alg}, claims, signature if keep else ""
            )
            for alg in ("none", "None", "NONE", "nOnE")
            for keep in (False, True)
        },
        "algorithm",
    )


@pytest.fixture
def public_key_forms(client):
    """The server's public key as an attacker gets it (the JWKS), in every form an HMAC library might take."""
    jwks = client.get(f"/login/{tid('northwind')}/discovery/v2.0/keys").get_json()
    jwk = jwks["keys"][0]
    public = jwt.PyJWK(jwk).key
    spki_pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pkcs1_pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    spki_der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    forms = {
        "SPKI PEM": spki_pem,
        "SPKI PEM without newline": spki_pem.rstrip(b"\n"),
        "PKCS1 PEM": pkcs1_pem,
        "SPKI DER": spki_der,
        "JWK": json.dumps(jwk).encode(),
        "modulus": unb64(jwk["n"]),
    }
    return jwk["kid"], forms


@pytest.mark.parametrize("surface", ALL)
def test_hmac_keyed_with_the_public_key_is_refused(call, token_for, public_key_forms, surface):
    """Key confusion: sign HS256 (HS384, HS512) with the RSA public key, in every form the JWKS gives it,
    hoping the verifier uses it as an HMAC secret."""
    kid, forms = public_key_forms
    header, claims, _ = parts(token_for(surface))
    assert header["kid"] == kid
    assert_all_refused(
        call,
        surface,
        {
            f"{alg} keyed with {form}": hmac_signed(header | {"alg": alg}, claims, secret)
            for alg in ("HS256", "HS384", "HS512")
            for form, secret in forms.items()
        },
        "algorithm",
    )


@pytest.mark.parametrize("surface", ALL)
def test_other_asymmetric_algorithms_are_refused(call, token_for, surface):
    header, claims, _ = parts(token_for(surface))
    keys = {"RS512": attacker_key(), "PS256": attacker_key(), "ES256": ec.generate_private_key(ec.SECP256R1())}
    assert_all_refused(
        call,
        surface,
        {
            alg: jwt.encode(claims, key, algorithm=alg, headers={"kid": header["kid"], "typ": "JWT"})
            for alg, key in keys.items()
        },
        "algorithm",
    )


# --- a key of the attacker's own ----------------------------------------------------------------------


@pytest.mark.parametrize("surface", ALL)
def test_own_key_under_the_servers_kid_is_refused(call, token_for, surface):
    """Signed by the attacker under the server's kid, optionally pointing at (or embedding) its own key;
    with pcsim's issuer or another one (a signature only pcsim can make is the only way to a valid token)."""
    header, claims, _ = parts(token_for(surface))
    key = attacker_key()
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    extras = {
        "no hint": {},
        "embedded jwk": {"jwk": public_jwk | {"kid": header["kid"]}},
        "jku": {"jku": "https://attacker.example/keys"},
        "x5u": {"x5u": "https://attacker.example/cert.pem"},
    }
    issuers = {
        "pcsim's own issuer": claims["iss"],
        "Entra ID's issuer": f"https://login.microsoftonline.com/{claims['tid']}/v2.0",
        "sts.windows.net": f"https://sts.windows.net/{claims['tid']}/",
        "attacker's issuer": f"https://attacker.example/{claims['tid']}/v2.0",
    }
    assert_all_refused(
        call,
        surface,
        {
            f"{hint}, {name}": jwt.encode(
                claims | {"iss": iss}, key, algorithm="RS256", headers={"kid": header["kid"], "typ": "JWT", **extra}
            )
            for hint, extra in extras.items()
            for name, iss in issuers.items()
        },
        "signature is invalid",
    )


@pytest.mark.parametrize("surface", NOT_PC)
def test_unknown_kid_is_refused(call, token_for, surface):
    _, claims, _ = parts(token_for(surface))
    forged = jwt.encode(claims, attacker_key(), algorithm="RS256", headers={"kid": "someone-else", "typ": "JWT"})
    assert_refused(call(surface, forged), surface, "not signed by a key of this server")


@pytest.mark.parametrize("surface", ALL)
def test_genuine_signature_under_another_kid_is_refused(call, token_for, surface):
    """The header is part of what is signed: changing the kid (to a lookup trick, or away) breaks the token."""
    header, claims, signature = parts(token_for(surface))
    variants = {"no kid": {k: v for k, v in header.items() if k != "kid"}}
    for kid in ("", "../../../../dev/null", "' OR '1'='1", "*", header["kid"] + " ", header["kid"].upper()):
        variants[repr(kid)] = header | {"kid": kid}
    assert_all_refused(
        call,
        surface,
        {label: assemble(h, claims, signature) for label, h in variants.items()},
        "not signed by a key of this server",
    )


# --- tampering with a genuine token -------------------------------------------------------------------

TAMPERINGS = {
    "tid": lambda c: c | {"tid": tid("fabrikam")},
    "oid": lambda c: c | {"oid": ids.user_id("northwind", "sales")},
    "wids": lambda c: c | {"wids": [*c.get("wids", []), GLOBAL_ADMIN]},
    "exp": lambda c: c | {"exp": c["exp"] + 30 * 86400},
    "nbf": lambda c: c | {"nbf": c["nbf"] - 86400, "iat": c["iat"] - 86400},
    "aud": lambda c: (
        c
        | {
            "aud": "https://graph.microsoft.com"
            if "graph" not in c["aud"]
            else "https://api.partnercenter.microsoft.com"
        }
    ),
    "idtyp": lambda c: c | {"idtyp": "app", "roles": ["DelegatedAdminRelationship.ReadWrite.All"]},
    "extra claim": lambda c: c | {"pcsim_admin": True},
}


@pytest.mark.parametrize("surface", ALL)
def test_tampered_payload_is_refused(call, token_for, surface):
    """Claims edited in a genuine token (test_tokens.py has tid on Partner Center)."""
    header, claims, signature = parts(token_for(surface))
    assert_all_refused(
        call,
        surface,
        {claim: assemble(header, change(claims), signature) for claim, change in TAMPERINGS.items()},
        "signature is invalid",
    )


@pytest.mark.parametrize("surface", ALL)
def test_damaged_signature_is_refused(call, token_for, sign_in, surface):
    header, claims, signature = parts(token_for(surface))
    raw = unb64(signature)
    other = sign_in(upn("fabrikam"), scope=SURFACES[surface][0]).split(".")[2]
    assert_all_refused(
        call,
        surface,
        {
            damage: assemble(header, claims, damaged)
            for damage, damaged in {
                "empty": "",
                "truncated": b64(raw[:-1]),
                "flipped": b64(raw[:-1] + bytes([raw[-1] ^ 1])),
                "another token's": other,
                "not base64url": "!!!" + signature[3:],
            }.items()
        },
    )


@pytest.mark.parametrize("surface", ALL)
def test_garbage_is_refused(call, surface):
    assert_all_refused(
        call,
        surface,
        {g[:20]: g for g in ("a.b.c", "..", "e30.e30.", "Bearer", "x" * 5000, "e30.e30.e30.e30", "\u0000")},
    )


@pytest.mark.parametrize("surface", ALL)
def test_missing_token_is_refused(call, surface):
    body = call(surface, None)
    assert body.status_code == 401
    if surface == "azure":  # ARM says the header is missing
        assert body.get_json()["error"]["code"] == "AuthenticationFailed"
    else:
        assert_refused(body, surface, "no bearer token")


# --- the right token, the wrong moment ----------------------------------------------------------------


@pytest.mark.parametrize("surface", NOT_PC)
def test_expired_token_is_refused(call, token_for, advance_clock, surface):
    token = token_for(surface)
    advance_clock(timedelta(minutes=59))
    assert call(surface, token).status_code == 200
    advance_clock(timedelta(minutes=1))  # exp is exclusive: at iat + 3600 s the token is dead
    assert_refused(call(surface, token), surface, "expired")


@pytest.mark.parametrize("surface", NOT_PC)
def test_not_yet_valid_token_is_refused(call, token_for, advance_clock, surface):
    advance_clock(timedelta(hours=1))
    token = token_for(surface)
    advance_clock(-timedelta(hours=1))
    assert_refused(call(surface, token), surface, "not yet valid")


@pytest.mark.parametrize("surface", ALL)
def test_a_little_clock_skew_is_tolerated(call, token_for, advance_clock, surface):
    """Like Entra ID's validators, 5 minutes of nbf skew pass (world clocks are set by tests)."""
    advance_clock(timedelta(minutes=4))
    token = token_for(surface)
    advance_clock(-timedelta(minutes=4))
    assert call(surface, token).status_code == 200


# --- the right token, the wrong place -------------------------------------------------------------------


@pytest.mark.parametrize("surface", ALL)
@pytest.mark.parametrize("other", ALL)
def test_token_for_another_audience_is_refused(call, token_for, sign_in, surface, other):
    if other == surface or (surface, other) == ("partnercenter", "graph"):
        pytest.skip("the baseline / test_tokens.py::test_wrong_audience_is_refused")
    _, user, tenant, _ = SURFACES[surface]
    token = sign_in(user, tenant, scope=SURFACES[other][0])
    assert_refused(call(surface, token), surface, "audience")


@pytest.mark.parametrize("surface", ALL)
def test_id_token_is_not_an_access_token(call, token_response, surface):
    scope, user, tenant, _ = SURFACES[surface]
    body = token_response(user, tenant, scope=scope + " openid profile").get_json()
    assert_refused(call(surface, body["id_token"]), surface, "audience")


@pytest.mark.parametrize("surface", ALL)
def test_refresh_token_is_not_an_access_token(call, token_response, surface):
    scope, user, tenant, _ = SURFACES[surface]
    body = token_response(user, tenant, scope=scope + " offline_access").get_json()
    assert_refused(call(surface, body["refresh_token"]), surface, "refresh token is not an access token")


@pytest.mark.parametrize(
    "surface, us_scope",
    [
        ("partnercenter", "https://api.partnercenter.microsoft.us/.default"),
        ("graph", "https://graph.microsoft.us/.default"),
    ],
)
def test_us_government_token_is_refused_in_the_public_cloud(client, call, surface, us_scope):
    token = client.post(
        "/usgov/login/relecloudgov.onmicrosoft.us/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": upn("relecloud"),
            "password": PASSWORD,
            "scope": us_scope,
        },
    ).get_json()["access_token"]
    assert client.get("/usgov" + SURFACES[surface][3], headers=bearer(token)).status_code == 200
    assert_refused(call(surface, token), surface, "audience")


# --- defence in depth: what only the server could sign -----------------------------------------------------
# An attacker cannot make these (they need pcsim's private key), but the checks behind the signature must
# hold on their own: a token the server signed is still refused for the wrong issuer, tenant or missing claims.


@pytest.fixture
def server_signed(app, token_for):
    def server_signed(surface: str, change) -> str:
        _, claims, _ = parts(token_for(surface))
        changed = change(claims)
        return app.extensions["pcsim"].keys.sign({k: v for k, v in changed.items() if v is not None})

    return server_signed


SERVER_SIGNED = {  # label: (change to genuine claims, reason)
    "Entra ID's issuer": (lambda c: c | {"iss": f"https://login.microsoftonline.com/{c['tid']}/v2.0"}, "issuer"),
    "another tenant's issuer": (lambda c: c | {"iss": c["iss"].replace(c["tid"], tid("fabrikam"))}, "issuer"),
    "another world's issuer": (
        lambda c: c | {"iss": c["iss"].replace("localhost/", "localhost/worlds/elsewhere/")},
        "issuer",
    ),
    "another host's issuer": (lambda c: c | {"iss": c["iss"].replace("localhost", "pcsim.example")}, "issuer"),
    "no iss": (lambda c: c | {"iss": None}, "issuer"),
    "no exp": (lambda c: c | {"exp": None}, "no valid exp claim"),
    "no aud": (lambda c: c | {"aud": None}, "audience"),
    "aud list": (lambda c: c | {"aud": [c["aud"], "https://attacker.example"]}, "audience"),
    "unknown tenant": (
        lambda c: (
            c
            | {
                "tid": "00000000-0000-0000-0000-000000000000",
                "iss": c["iss"].replace(c["tid"], "00000000-0000-0000-0000-000000000000"),
            }
        ),
        "tenant",
    ),
    "unknown user": (lambda c: c | {"oid": "00000000-0000-0000-0000-000000000000"}, "user"),
}


@pytest.mark.parametrize("surface", ALL)
def test_server_signed_token_with_wrong_claims_is_refused(call, server_signed, surface):
    failures = {}
    for label, (change, reason) in SERVER_SIGNED.items():
        try:
            assert_refused(call(surface, server_signed(surface, change)), surface, reason)
        except AssertionError as exc:
            failures[label] = str(exc)[:300]
    assert not failures, failures


# --- another partner, another world ----------------------------------------------------------------------

WOODGROVE = tid("woodgrove")


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", f"/customers/{WOODGROVE}"),
        ("GET", f"/customers/{WOODGROVE}/subscriptions"),
        ("GET", f"/customers/{WOODGROVE}/servicerequests"),
        ("GET", f"/customers/{WOODGROVE}/servicerequests/newrequest/microsoft365"),
        ("GET", f"/customers/{WOODGROVE}/serviceincidents"),
        ("POST", f"/customers/{WOODGROVE}/servicerequests/en-US"),
    ],
)
def test_partner_token_on_another_partners_customer_is_r1(app, client, sign_in, method, path):
    """Wingtip (advisor of Contoso only) on Woodgrove (Fabrikam's and Tailspin's customer)."""
    from simulator.store.models import Ticket

    token = sign_in(upn("wingtip"))
    body = {"Title": "Let me in", "Description": "...", "Severity": "critical", "SupportTopicId": "32444671"}
    response = client.open(
        f"/partnercenter/v1{path}", method=method, headers=bearer(token), json=body if method == "POST" else None
    )
    assert response.status_code == 403, response.get_json()
    error = response.get_json()
    assert set(error) == {"code", "description", "data", "source"} and error["data"][0]["rule"] == "R1"
    with app.extensions["pcsim"].store.session() as session:
        assert session.query(Ticket).filter_by(world_id="default", customer_id=WOODGROVE).count() == 0


def test_another_partners_ticket_is_not_found(client, sign_in):
    """Fabrikam's ticket for Woodgrove: Wingtip neither reads it nor adds a note to it, by id or by customer."""
    fabrikam = sign_in(upn("fabrikam"))
    filed = client.post(
        f"/partnercenter/v1/customers/{WOODGROVE}/servicerequests/en-US",
        headers=bearer(fabrikam),
        json={"Title": "Mail delayed", "Description": "...", "Severity": "minimal", "SupportTopicId": "32444671"},
    )
    assert filed.status_code == 201, filed.get_json()
    ticket = filed.get_json()["id"]
    wingtip = sign_in(upn("wingtip"))
    for path in (f"/servicerequests/{ticket}", f"/customers/{tid('contoso')}/servicerequests/{ticket}"):
        assert client.get(f"/partnercenter/v1{path}", headers=bearer(wingtip)).status_code == 404
        noted = client.patch(f"/partnercenter/v1{path}", headers=bearer(wingtip), json={"NewNote": {"Text": "hi"}})
        assert noted.status_code == 404
    listed = client.get("/partnercenter/v1/servicerequests", headers=bearer(wingtip)).get_json()
    assert ticket not in [i["id"] for i in listed["items"]]
    mine = client.get(f"/partnercenter/v1/servicerequests/{ticket}", headers=bearer(fabrikam)).get_json()
    assert [n["text"] for n in mine["notes"] if n["text"] == "hi"] == []


@pytest.mark.parametrize("scope", [PC_SCOPE, ARM_SCOPE, M365_SCOPE])
def test_no_token_in_another_partners_customer(token_response, scope):
    """The Graph case is in test_tokens.py: no GDAP, no token in Woodgrove, whatever the resource."""
    response = token_response(upn("wingtip"), tenant=DOMAINS["woodgrove"], scope=scope)
    assert response.status_code == 400 and response.get_json()["error_codes"] == [50020]


def test_azure_token_of_one_customer_on_another_customers_subscription(client, sign_in):
    """Wingtip's GDAP token in Contoso, and its own-tenant token, on Woodgrove's subscription: ARM's 401 for a
    token of the wrong tenant (R12), for the subscription and its tickets alike."""
    sub = ids.subscription_id("woodgrove-prod")
    for tenant in (DOMAINS["contoso"], None):
        token = sign_in(upn("wingtip"), tenant, scope=ARM_SCOPE)
        for path in (
            f"/azure/subscriptions/{sub}?api-version=2022-12-01",
            f"/azure/subscriptions/{sub}/providers/Microsoft.Support/supportTickets?api-version=2024-04-01",
        ):
            response = client.get(path, headers=bearer(token))
            error = response.get_json()["error"]
            assert response.status_code == 401 and error["code"] == "InvalidAuthenticationTokenTenant", error
            assert error["additionalInfo"][0]["info"]["rule"] == "R12"


@pytest.fixture
def other_world(client):
    created = client.post("/sim/worlds", json={"id": "attack-world"})
    assert created.status_code == 201, created.get_json()
    yield "attack-world"
    assert client.delete("/sim/worlds/attack-world").status_code == 204


@pytest.mark.parametrize("surface", NOT_PC)
def test_token_of_one_world_is_refused_in_another(client, call, token_for, other_world, surface):
    scope, user, tenant, _ = SURFACES[surface]
    prefix = f"/worlds/{other_world}"
    theirs = client.post(
        f"{prefix}/login/{tenant or user.split('@')[1]}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": user,
            "password": PASSWORD,
            "scope": scope,
        },
    ).get_json()["access_token"]
    assert call(surface, theirs, prefix).status_code == 200
    assert_refused(call(surface, theirs), surface, "issuer")
    mine = token_for(surface)
    assert_refused(call(surface, mine, prefix), surface, "issuer")


@pytest.mark.parametrize("surface", ALL)
def test_token_of_a_deleted_world_is_refused(client, call, surface):
    scope, user, tenant, _ = SURFACES[surface]
    assert client.post("/sim/worlds", json={"id": "gone-world"}).status_code == 201
    prefix = "/worlds/gone-world"
    token = client.post(
        f"{prefix}/login/{tenant or user.split('@')[1]}/oauth2/v2.0/token",
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT_ID,
            "username": user,
            "password": PASSWORD,
            "scope": scope,
        },
    ).get_json()["access_token"]
    assert client.delete("/sim/worlds/gone-world").status_code == 204
    assert call(surface, token, prefix).status_code == 404  # the world is gone, whatever the token
    assert_refused(call(surface, token), surface, "issuer")
