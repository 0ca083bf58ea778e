"""A software authenticator: the far side of WebAuthn, written from the specification
(WebAuthn L3 §6.1 authenticator data, §6.5 attestation, §6.3.3 assertions), so the service's
py_webauthn checks see what a browser and a real authenticator would send.

Only "none" attestation and one EC P-256 (ES256) key per credential, which is what passkey
providers use.
"""

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

ORIGIN = "http://localhost:8000"
RP_ID = "localhost"
FLAG_UP, FLAG_UV, FLAG_AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    """One discoverable credential. ``sign_count`` is the counter of the last signature;
    ``counts`` False makes it an authenticator without a counter (always 0)."""

    counts: bool = True
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: os.urandom(16))
    sign_count: int = 0
    user_handle: str | None = None
    # Attested instead of the key's own COSE form, to send a broken public key.
    cose_key: bytes | None = None

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def _cose_key(self) -> bytes:
        if self.cose_key is not None:
            return self.cose_key
        numbers = self.key.public_key().public_numbers()
        # RFC 9053 §7.1.1: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _auth_data(self, *, rp_id: str, flags: int, attested: bool = False) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags])
        data += struct.pack(">I", self.sign_count)
        if attested:
            aaguid = bytes(16)
            data += aaguid + struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += self._cose_key()
        return data

    @staticmethod
    def _client_data(*, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def create(
        self, options: dict, *, origin: str = ORIGIN, rp_id: str = RP_ID, uv: bool = True
    ) -> dict:
        """navigator.credentials.create() with these creation options, in toJSON() form."""
        self.user_handle = options["user"]["id"]
        flags = FLAG_UP | FLAG_AT | (FLAG_UV if uv else 0)
        client_data = self._client_data(
            kind="webauthn.create", challenge=options["challenge"], origin=origin
        )
        attestation = cbor2.dumps(
            {
                "fmt": "none",
                "attStmt": {},
                "authData": self._auth_data(rp_id=rp_id, flags=flags, attested=True),
            }
        )
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
        }

    def get(
        self,
        options: dict,
        *,
        origin: str = ORIGIN,
        rp_id: str = RP_ID,
        uv: bool = True,
        sign_count: int | None = None,
    ) -> dict:
        """navigator.credentials.get() with these request options, in toJSON() form: the
        counter moves on (or is set to ``sign_count``) and authData || SHA-256(clientData)
        is signed."""
        if sign_count is not None:
            self.sign_count = sign_count
        elif self.counts:
            self.sign_count += 1
        flags = FLAG_UP | (FLAG_UV if uv else 0)
        auth_data = self._auth_data(rp_id=rp_id, flags=flags)
        client_data = self._client_data(
            kind="webauthn.get", challenge=options["challenge"], origin=origin
        )
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if self.user_handle is not None:
            response["userHandle"] = self.user_handle
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": response,
        }
