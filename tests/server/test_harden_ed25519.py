"""Issue 11 item 9: small-order and non-canonical Ed25519 keys are refused at enrolment and
at verification. OpenSSL accepts them: with the all-zero public key (a point of order 4) the
"signature" identity || 0 verifies for one message in four, without any private key."""

from __future__ import annotations

import base64
import json
from typing import Any

import factories
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from deuxvie import wire
from deuxvie.wire import edpoint
from deuxvie_server import models, stations
from flask import Flask
from flask.testing import FlaskClient

# The eight points of order 1, 2, 4 and 8 (libsodium's blocklist, "Taming the many EdDSAs"
# table 6) and non-canonical encodings of them (y >= p, or x = 0 with the sign bit set).
SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
]
NON_CANONICAL = [
    "0100000000000000000000000000000000000000000000000000000000000080",  # -0 identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",  # -0, order 2
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # y = p + 1
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
]
# RFC 8032 section 7.1, TEST 1 and TEST 2: (secret, public, message, signature)
RFC8032 = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
]
ZERO_KEY = bytes(32)
IDENTITY = bytes.fromhex(SMALL_ORDER[0])


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize("hexkey", SMALL_ORDER + NON_CANONICAL)
def test_small_order_and_non_canonical_keys_are_refused(hexkey: str) -> None:
    with pytest.raises(wire.EnvelopeError):
        wire.public_key_from_b64(b64(bytes.fromhex(hexkey)))


@pytest.mark.parametrize(("secret", "public", "msg", "sig"), RFC8032)
def test_rfc8032_vectors_still_verify(secret: str, public: str, msg: str, sig: str) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))
    assert key.sign(bytes.fromhex(msg)).hex() == sig
    pub = wire.public_key_from_b64(b64(bytes.fromhex(public)))
    pub.verify(bytes.fromhex(sig), bytes.fromhex(msg))
    edpoint.check_signature(bytes.fromhex(sig))
    # S + L (not reduced) is the same signature to a lax verifier, refused here
    s = int.from_bytes(bytes.fromhex(sig)[32:], "little") + edpoint.L
    with pytest.raises(edpoint.PointError):
        edpoint.check_signature(bytes.fromhex(sig)[:32] + s.to_bytes(32, "little"))


def test_random_keys_are_accepted() -> None:
    for _ in range(50):
        pub = Ed25519PrivateKey.generate().public_key()
        wire.public_key_from_b64(wire.public_key_b64(pub))


def forged_envelope(report_key: Ed25519PrivateKey) -> tuple[dict[str, Any], dict[str, Any]]:
    """A report "signed" by the all-zero key without any private key: R = identity, S = 0
    verifies under OpenSSL whenever the challenge k is a multiple of 4."""
    zero = Ed25519PublicKey.from_public_bytes(ZERO_KEY)
    kid = wire.key_id(zero)
    for _ in range(200):
        report = factories.make_report(key=report_key, station_id="forger")
        report["station"]["key_id"] = kid
        payload = wire.canonical_json(report)
        sig = IDENTITY + bytes(32)
        try:
            zero.verify(sig, wire.pae(wire.PAYLOAD_TYPE, payload))
        except InvalidSignature:
            continue
        env = {"payload": b64(payload), "payloadType": wire.PAYLOAD_TYPE,
               "signatures": [{"keyid": kid, "sig": b64(sig)}]}
        return env, report
    raise AssertionError("no forgeable message in 200 tries")


def test_forged_signature_with_the_zero_key_does_not_verify() -> None:
    env, _ = forged_envelope(factories.EXAMPLE_KEY)
    zero = Ed25519PublicKey.from_public_bytes(ZERO_KEY)  # OpenSSL itself accepts it
    with pytest.raises(wire.SignatureError):
        wire.verify(env, lambda kid: zero)


def test_enrolment_refuses_the_zero_key(app: Flask, client: FlaskClient) -> None:
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        token = stations.create_enrolment_token(session, "t")
    for hexkey in (SMALL_ORDER[2], SMALL_ORDER[0], NON_CANONICAL[2]):
        resp = client.post("/api/v1/stations/enrol", json={
            "token": token, "station_id": "forger", "public_key": b64(bytes.fromhex(hexkey))})
        assert resp.status_code == 422, resp.get_json()
        assert resp.get_json()["error"] == "bad_public_key"
    # the token was not consumed by the refusals
    good = wire.public_key_b64(Ed25519PrivateKey.generate().public_key())
    resp = client.post("/api/v1/stations/enrol", json={
        "token": token, "station_id": "honest", "public_key": good})
    assert resp.status_code == 201


def test_a_zero_key_already_in_the_database_verifies_nothing(app: Flask,
                                                             client: FlaskClient) -> None:
    """A station row with the zero key (enrolled before this check): its forged reports are
    refused at ingest, and a forged row stored in the database shows INVALID."""
    zero = Ed25519PublicKey.from_public_bytes(ZERO_KEY)
    with app.extensions["deuxvie"]["sessions"].begin() as session:
        session.add(models.Station(id="forger", key_id=wire.key_id(zero),
                                   public_key_b64=b64(ZERO_KEY)))
    env, report = forged_envelope(factories.EXAMPLE_KEY)
    resp = client.post("/api/v1/reports", data=json.dumps(env),
                       content_type="application/json")
    assert resp.status_code in (400, 403), resp.get_json()
    assert client.get(f"/c/{report['uuid']}").status_code == 404
