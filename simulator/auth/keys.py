"""The RSA key that signs every token, kept in the database so every worker signs and verifies alike."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from ..domain.clock import utcnow
from ..store import Store
from ..store.models import SigningKey

# One generated key per process: every store created in this process (tests make many) reuses it
# instead of paying for a new RSA key each time. A store that already holds a key keeps its own.
_generated_pem: str | None = None
_generated_lock = threading.Lock()
_generating: subprocess.Popen | None = None  # see generate_in_background
_GENERATE = (
    "import sys\n"
    "from cryptography.hazmat.primitives import serialization as s\n"
    "from cryptography.hazmat.primitives.asymmetric import rsa\n"
    "key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
    "sys.stdout.write(key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode())\n"
)


def generate_in_background() -> None:
    """Start generating the key a store without one will need, in a child process (``pcsim serve`` does, before
    it builds the app): generating holds the GIL for 20-150 ms of the cold start, which a second core then
    spends meanwhile. The key is used by this process only, like one generated here; unused, it is dropped."""
    global _generating
    with _generated_lock:
        if _generated_pem is not None or _generating is not None or (os.cpu_count() or 1) < 2:
            return
        try:
            _generating = subprocess.Popen(
                [sys.executable, "-c", _GENERATE],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            _generating = None


def _collect_generated(use: bool) -> str | None:
    """The background generator's key (``use``), or none, and the child gone in any case. Under the lock."""
    global _generating
    child, _generating = _generating, None
    if child is None:
        return None
    try:
        pem, _ = child.communicate(timeout=10 if use else 0)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return None
    pem = pem.decode("ascii", "replace")
    return pem if use and child.returncode == 0 and pem.startswith("-----BEGIN PRIVATE KEY-----") else None


def _drop_generated() -> None:
    with _generated_lock:
        if _generating is not None:
            _collect_generated(use=False)


def _new_private_pem() -> str:
    global _generated_pem
    with _generated_lock:
        if _generated_pem is None:
            _generated_pem = _collect_generated(use=True)
        if _generated_pem is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _generated_pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode("ascii")
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
                # Servers starting at once on a new database take turns, so that the second finds the first's
                # key (two keys, each server signing with its own, would make every token good on one only).
                self._store.serialize(session, "signing-key")
                row = session.scalars(select(SigningKey).order_by(SigningKey.created_at)).first()
                if row is None:
                    pem = _new_private_pem()
                    session.add(SigningKey(kid=self._kid_of(_load_pem(pem)), private_pem=pem, created_at=utcnow()))
                else:
                    pem = row.private_pem
                    _drop_generated()
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
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "kid": self.kid,
                    "x5t": self.kid,
                    "alg": "RS256",
                    "n": _b64(numbers.n),
                    "e": _b64(numbers.e),
                }
            ]
        }


def b64json(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode("ascii")
