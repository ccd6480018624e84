"""HTTP Digest for ONVIF (api/digest.py), against RFC 2617's own example."""

from __future__ import annotations

import pytest

from custom_components.excelsense.api import digest
from custom_components.excelsense.api.digest import DigestChallenge

# RFC 2617 3.5, "Example": the challenge, and the answer it gives for
# "Mufasa" / "Circle Of Life" asking GET /dir/index.html.
RFC_CHALLENGE = (
    'Digest realm="testrealm@host.com", qop="auth,auth-int", '
    'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
    'opaque="5ccc069c403ebaf9f0171e9517f40e41"'
)


def test_rfc_2617_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """The response hash of RFC 2617 3.5: 6629fae49393a05397450978507c4ef1."""
    monkeypatch.setattr(digest.secrets, "token_hex", lambda _n: "0a4f113b")
    challenge = DigestChallenge.parse(RFC_CHALLENGE)
    assert challenge is not None
    header = challenge.authorization(
        "GET", "/dir/index.html", "Mufasa", "Circle Of Life"
    )
    assert header.startswith("Digest ")
    assert 'response="6629fae49393a05397450978507c4ef1"' in header
    assert "nc=00000001" in header
    assert 'cnonce="0a4f113b"' in header
    assert 'opaque="5ccc069c403ebaf9f0171e9517f40e41"' in header
    assert "Circle Of Life" not in header
    # The nonce count goes up with each request under the same challenge.
    again = challenge.authorization("GET", "/dir/index.html", "Mufasa", "x")
    assert "nc=00000002" in again


@pytest.mark.parametrize(
    ("header", "algorithm", "session", "qop"),
    [
        ('Digest realm="r", nonce="n"', "MD5", False, None),
        (
            'digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"',
            "SHA-256",
            False,
            "auth",
        ),
        (
            'Digest realm="r", nonce="n", algorithm=MD5-sess, qop=auth',
            "MD5",
            True,
            "auth",
        ),
    ],
)
def test_challenges_read(
    header: str, algorithm: str, session: bool, qop: str | None
) -> None:
    """RFC 7616 3.3: the algorithm (MD5 by default, SHA-256, -sess) and qop."""
    challenge = DigestChallenge.parse(header)
    assert challenge is not None
    assert (challenge.algorithm, challenge.session, challenge.qop) == (
        algorithm,
        session,
        qop,
    )
    assert challenge.nonce == "n"


@pytest.mark.parametrize(
    "header",
    [
        'Basic realm="camera"',
        'Digest realm="r"',  # no nonce
        'Digest realm="r", nonce="n", qop="auth-int"',  # the body's hash only
        'Digest realm="r", nonce="n", algorithm=SHA-512-256',
        "",
    ],
)
def test_challenges_not_answered(header: str) -> None:
    """What cannot be answered is no challenge (the 401 stands)."""
    assert DigestChallenge.parse(header) is None
