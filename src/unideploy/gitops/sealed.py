"""Seal a Secret for the Bitnami sealed-secrets controller with the cluster's public certificate.

The format `kubeseal` writes: each value is sealed on its own with a fresh 32-byte AES-256-GCM
session key (zero nonce, the key being used once), the session key wrapped with RSA-OAEP(SHA-256)
under the certificate's key, with the scope's label as the OAEP label; the bytes are
`len(rsa ciphertext) as 2 bytes big-endian || rsa ciphertext || gcm ciphertext+tag`, base64
encoded. Scopes: strict (label `namespace/name`, the default), namespace-wide (label `namespace`),
cluster-wide (empty label), the latter two marked by annotations. Pure: no cluster, no files.
"""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from unideploy.errors import ConfigError

API_VERSION = "bitnami.com/v1alpha1"
NAMESPACE_WIDE = "sealedsecrets.bitnami.com/namespace-wide"
CLUSTER_WIDE = "sealedsecrets.bitnami.com/cluster-wide"
SESSION_KEY_BYTES = 32
NONCE_BYTES = 12


def load_certificate(path: Path) -> rsa.RSAPublicKey:
    """The RSA public key of the controller's certificate (`kubeseal --fetch-cert` output)."""
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"--seal-cert {path}: not a readable PEM certificate",
            hint="fetch it with `kubeseal --fetch-cert > cert.pem`",
        ) from exc
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError(f"--seal-cert {path}: the certificate's key is not RSA")
    return key


def label(namespace: str, name: str, scope: str = "strict") -> bytes:
    """The OAEP label that binds a sealed value to where it may be unsealed."""
    if scope == "strict":
        return f"{namespace}/{name}".encode()
    if scope == "namespace-wide":
        return namespace.encode()
    return b""


def hybrid_encrypt(key: rsa.RSAPublicKey, plaintext: bytes, oaep_label: bytes) -> bytes:
    """sealed-secrets' HybridEncrypt."""
    session = os.urandom(SESSION_KEY_BYTES)
    wrapped = key.encrypt(
        session,
        padding.OAEP(
            mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=oaep_label or None
        ),
    )
    sealed = AESGCM(session).encrypt(bytes(NONCE_BYTES), plaintext, None)
    return struct.pack(">H", len(wrapped)) + wrapped + sealed


def seal(secret: Mapping[str, Any], key: rsa.RSAPublicKey, scope: str = "strict") -> dict[str, Any]:
    """A SealedSecret for `secret` (its `data` and `stringData` sealed value by value)."""
    meta = secret.get("metadata") or {}
    name, namespace = str(meta.get("name", "")), str(meta.get("namespace", ""))
    values: dict[str, bytes] = {
        str(k): base64.b64decode(str(v)) for k, v in (secret.get("data") or {}).items()
    }
    values.update({str(k): str(v).encode() for k, v in (secret.get("stringData") or {}).items()})
    oaep_label = label(namespace, name, scope)
    encrypted = {
        k: base64.b64encode(hybrid_encrypt(key, v, oaep_label)).decode()
        for k, v in sorted(values.items())
    }
    template_meta: dict[str, Any] = {"name": name, "namespace": namespace}
    for field in ("labels", "annotations"):
        if meta.get(field):
            template_meta[field] = dict(meta[field])
    annotations: dict[str, str] = {}
    if scope == "namespace-wide":
        annotations[NAMESPACE_WIDE] = "true"
    elif scope == "cluster-wide":
        annotations[CLUSTER_WIDE] = "true"
    sealed_meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotations:
        sealed_meta["annotations"] = annotations
    template: dict[str, Any] = {"metadata": template_meta, "type": secret.get("type", "Opaque")}
    if secret.get("immutable") is not None:
        template["immutable"] = secret["immutable"]
    return {
        "apiVersion": API_VERSION,
        "kind": "SealedSecret",
        "metadata": sealed_meta,
        "spec": {"encryptedData": encrypted, "template": template},
    }


def unseal(blob: str, private: rsa.RSAPrivateKey, oaep_label: bytes) -> bytes:
    """The inverse of `hybrid_encrypt` (what the controller does; used to check our output)."""
    raw = base64.b64decode(blob)
    (size,) = struct.unpack(">H", raw[:2])
    session = private.decrypt(
        raw[2 : 2 + size],
        padding.OAEP(
            mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=oaep_label or None
        ),
    )
    return AESGCM(session).decrypt(bytes(NONCE_BYTES), raw[2 + size :], None)
