"""Ed25519 point checks that OpenSSL's verify does not make (RFC 8032 section 5.1.3).

OpenSSL accepts any 32 bytes as a public key and verifies with the cofactorless equation
[S]B = R + [k]A. With a small-order A (the all-zero key has order 4) and a small-order R,
a "signature" R || 0 verifies for many messages without any private key ("Taming the many
EdDSAs", Chalkias et al. 2020, table 6; libsodium's `has_small_order` list). So a public key
whose encoding is non-canonical (y >= p, or x = 0 with the sign bit set), not on the curve,
or of small order ([8]P = identity) is refused here, and S must be < L (RFC 8032 5.1.7).

Pure integer arithmetic on the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 over
GF(2^255 - 19), extended coordinates (RFC 8032 5.1.4); a key is checked in ~0.35 ms,
once per process (cached).
"""

from __future__ import annotations

import functools

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493  # the prime order of the base point
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


class PointError(ValueError):
    """Not the encoding of a usable Ed25519 point."""


def _decode(raw: bytes) -> tuple[int, int]:
    """(x, y) of a canonical point encoding (RFC 8032 5.1.3), else PointError."""
    if len(raw) != 32:
        raise PointError(f"an Ed25519 point has 32 bytes, got {len(raw)}")
    n = int.from_bytes(raw, "little")
    sign = n >> 255
    y = n & ((1 << 255) - 1)
    if y >= P:
        raise PointError("non-canonical point encoding (y >= p)")
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    # x = (u/v)^((p+3)/8), computed as u v^3 (u v^7)^((p-5)/8) (RFC 8032 5.1.3 step 3)
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vx2 = v * x * x % P
    if vx2 == u:
        pass
    elif vx2 == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        raise PointError("not a point on the Ed25519 curve")
    if x == 0 and sign:
        raise PointError("non-canonical point encoding (x = 0 with the sign bit set)")
    if x & 1 != sign:
        x = P - x
    return x, y


def _double(pt: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    # "dbl-2008-hwcd" for a = -1 (RFC 8032 5.1.4)
    x1, y1, z1, _t = pt
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = (a + b) % P
    e = (h - (x1 + y1) * (x1 + y1)) % P
    g = (a - b) % P
    f = (c + g) % P
    return e * f % P, g * h % P, f * g % P, e * h % P


def is_small_order(x: int, y: int) -> bool:
    pt = (x, y, 1, x * y % P)
    for _ in range(3):  # [8]P
        pt = _double(pt)
    return pt[0] % P == 0 and (pt[1] - pt[2]) % P == 0


@functools.lru_cache(maxsize=1024)
def check_point(raw: bytes, what: str = "point") -> None:
    """Raise PointError unless `raw` is a canonical encoding of a point of large order."""
    try:
        x, y = _decode(raw)
    except PointError as exc:
        raise PointError(f"{what}: {exc}") from exc
    if is_small_order(x, y):
        raise PointError(f"{what}: small-order point (a key anyone can forge signatures for)")


def check_signature(sig: bytes) -> None:
    """S < L (RFC 8032 5.1.7; OpenSSL checks it too, this says so by name); else PointError.
    R is not checked for small order: with a key of large order (refused otherwise) a
    small-order R forges nothing, and the check costs 0.35 ms a report."""
    if len(sig) != 64:
        raise PointError(f"an Ed25519 signature has 64 bytes, got {len(sig)}")
    if int.from_bytes(sig[32:], "little") >= L:
        raise PointError("signature S is not reduced (S >= L)")
