"""HTTP Digest authentication as the emulated camera's ONVIF services check it.

ONVIF Core, Security, "Authentication over HTTP and HTTPS": "The services
defined in this standard, whenever consumed over HTTP and HTTPS, shall be
protected using digest authentication according to [RFC 2617]" (legacy
devices may take WS-UsernameToken instead), and a request without
credentials gets "an HTTP 401 error according to [RFC 2617]". The camera
offers MD5 with qop "auth" (RFC 2617 3.2.1) and accepts a response without
qop too (RFC 2069 compatibility, 3.2.2.1).
"""

from __future__ import annotations

import hashlib
import re
import secrets

REALM = "ONVIF"
_PARAM = re.compile(r'([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


class DigestCheck:
    """The nonces this camera gave out, and the check of an Authorization header."""

    def __init__(self) -> None:
        """No nonce given out yet."""
        self.nonces: set[str] = set()

    def challenge(self) -> str:
        """A WWW-Authenticate value with a fresh nonce (RFC 2617 3.2.1)."""
        nonce = secrets.token_hex(16)
        self.nonces.add(nonce)
        return f'Digest realm="{REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'

    def user(
        self, header: str, method: str, uri: str, passwords: dict[str, str]
    ) -> str | None:
        """The user an Authorization header proves, None when it proves none.

        RFC 2617 3.2.2: the nonce must be one this camera gave, the uri the
        request's, and the response MD5(HA1:nonce:nc:cnonce:qop:HA2) with
        HA1 = MD5(user:realm:password) and HA2 = MD5(method:uri).
        """
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != "digest":
            return None
        params = {
            m[1].lower(): m[2] if m[2] is not None else m[3]
            for m in _PARAM.finditer(rest)
        }
        name = params.get("username", "")
        password = passwords.get(name)
        nonce = params.get("nonce", "")
        if (
            password is None
            or nonce not in self.nonces
            or params.get("realm") != REALM
            or params.get("uri") != uri
            or params.get("algorithm", "MD5").upper() != "MD5"
        ):
            return None
        ha1 = _md5(f"{name}:{REALM}:{password}")
        ha2 = _md5(f"{method}:{uri}")
        qop = params.get("qop")
        if qop == "auth":
            nc, cnonce = params.get("nc", ""), params.get("cnonce", "")
            expected = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
        elif qop is None:
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        else:
            return None
        return (
            name
            if secrets.compare_digest(expected, params.get("response", ""))
            else None
        )
