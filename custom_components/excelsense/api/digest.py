"""HTTP Digest authentication for the camera's ONVIF services.

ONVIF Core, Security, "Authentication over HTTP and HTTPS": the services
"shall be protected using digest authentication according to [RFC 2617]",
legacy devices accepting WS-UsernameToken instead. A camera that asks for
Digest answers HTTP 401 with a ``WWW-Authenticate: Digest`` challenge; the
request is then sent again with an ``Authorization`` header (RFC 2617 3.2.2,
RFC 7616 for SHA-256), and later requests answer the same challenge with the
next nonce count until the camera sends a new one.

The header carries a hash of the password, never the password; neither is
logged or kept anywhere but in the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
import re
import secrets

# RFC 7616 3.7: MD5 (RFC 2617's only one) and SHA-256, each also "-sess".
_HASHES = {"MD5": "md5", "SHA-256": "sha256"}
_PARAM = re.compile(r'([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def _hash(algorithm: str, text: str) -> str:
    # usedforsecurity=False: RFC 2617 fixes MD5; the hash proves the password
    # is known to a camera that asks for it, it protects nothing stored.
    return hashlib.new(
        _HASHES[algorithm], text.encode(), usedforsecurity=False
    ).hexdigest()


@dataclass
class DigestChallenge:
    """A camera's Digest challenge, and how many times its nonce was used."""

    realm: str
    nonce: str
    algorithm: str = "MD5"
    session: bool = False
    qop: str | None = None
    opaque: str | None = None
    count: int = field(default=0, repr=False)

    @classmethod
    def parse(cls, header: str) -> DigestChallenge | None:
        """The Digest challenge in a WWW-Authenticate value, None if none usable."""
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != "digest":
            return None
        params = {
            m[1].lower(): m[2] if m[2] is not None else m[3]
            for m in _PARAM.finditer(rest)
        }
        algorithm = params.get("algorithm", "MD5").upper()
        session = algorithm.endswith("-SESS")
        algorithm = algorithm.removesuffix("-SESS")
        if algorithm not in _HASHES or "nonce" not in params:
            return None
        qops = [q.strip() for q in params.get("qop", "").split(",") if q.strip()]
        if qops and "auth" not in qops:
            return None  # auth-int only: the body's hash, not offered here
        return cls(
            realm=params.get("realm", ""),
            nonce=params["nonce"],
            algorithm=algorithm,
            session=session,
            qop="auth" if qops else None,
            opaque=params.get("opaque"),
        )

    def authorization(self, method: str, uri: str, username: str, password: str) -> str:
        """The Authorization header for one more request under this challenge."""
        self.count += 1
        count = f"{self.count:08x}"
        cnonce = secrets.token_hex(8)
        secret = _hash(self.algorithm, f"{username}:{self.realm}:{password}")
        if self.session:
            secret = _hash(self.algorithm, f"{secret}:{self.nonce}:{cnonce}")
        target = _hash(self.algorithm, f"{method}:{uri}")
        if self.qop:
            answer = f"{secret}:{self.nonce}:{count}:{cnonce}:{self.qop}:{target}"
        else:
            answer = f"{secret}:{self.nonce}:{target}"
        algorithm = f"{self.algorithm}-sess" if self.session else self.algorithm
        parts = [
            f'username="{_quoted(username)}"',
            f'realm="{_quoted(self.realm)}"',
            f'nonce="{_quoted(self.nonce)}"',
            f'uri="{_quoted(uri)}"',
            f"algorithm={algorithm}",
            f'response="{_hash(self.algorithm, answer)}"',
        ]
        if self.qop:
            parts += [f"qop={self.qop}", f"nc={count}", f'cnonce="{cnonce}"']
        if self.opaque is not None:
            parts.append(f'opaque="{_quoted(self.opaque)}"')
        return "Digest " + ", ".join(parts)


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
