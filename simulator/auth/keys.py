"""The RSA key that signs every token, kept in the database so every worker signs and verifies alike."""
from __future__ import annotations

import base64
import hashlib
import json
import threading

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain.clock import utcnow
from ..store import Store
from ..store.models import SigningKey


# One generated key per process: every store created in this process (tests make many) reuses it
# instead of paying for a new RSA key each time. A store that already holds a key keeps its own.
_generated_pem: str | None = None
_generated_lock = threading.Lock()


def _new_private_pem() -> str:
    global _generated_pem
    with _generated_lock:
        if _generated_pem is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _generated_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()).decode("ascii")
        return _generated_pem


def _load_pem(pem: str):
    # The key is our own, written by this module: skip the (slow) RSA consistency check.
    return serialization.load_pem_private_key(pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True)


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class KeyRing:
    """Loads (or creates once) the signing key; signs and exposes the JWKS."""

    def __init__(self, store: Store):
        self._store = store
        self._lock = threading.Lock()
        self._private = None
        self.kid = ""

    def load(self) -> None:
        """Load (or create) the key now, outside any request."""
        self._load()

    def _load(self):
        with self._lock:
            if self._private is not None:
                return
            with self._store.session() as session:
                row = session.scalars(select(SigningKey).order_by(SigningKey.created_at)).first()
                pem = row.private_pem if row else None
            if pem is None:
                pem = _new_private_pem()
                kid = self._kid_of(_load_pem(pem))
                try:
                    with self._store.session() as session:
                        session.add(SigningKey(kid=kid, private_pem=pem, created_at=utcnow()))
                except IntegrityError:  # another worker created it first: use theirs
                    pass
                with self._store.session() as session:
                    pem = session.scalars(select(SigningKey).order_by(SigningKey.created_at)).first().private_pem
            key = _load_pem(pem)
            self.kid = self._kid_of(key)
            self._public = key.public_key()
            self._private = key

    @staticmethod
    def _kid_of(key) -> str:
        der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:15]).decode("ascii")

    def sign(self, claims: dict, typ: str = "JWT") -> str:
        self._load()
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid, "typ": typ})

    def public_key(self, kid: str | None):
        self._load()
        return self._public if kid == self.kid else None

    def jwks(self) -> dict:
        self._load()
        numbers = self._public.public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "alg": "RS256",
                          "n": _b64(numbers.n), "e": _b64(numbers.e)}]}


def b64json(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode("ascii")
