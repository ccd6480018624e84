"""HTTP transport of the CGI API: one request in, bytes or a typed error out."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import logging
import re
import socket
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, urlencode

import aiohttp
from yarl import URL

from . import kv
from .exceptions import (
    ExcelSenseAuthenticationError,
    ExcelSenseBusyError,
    ExcelSenseConnectionError,
    ExcelSenseHttpsRequiredError,
    ExcelSenseHttpStatusError,
    ExcelSenseInvalidParameterError,
    ExcelSenseResponseError,
    ExcelSenseTimeoutError,
    error_for_code,
)
from .gate import Limiter, LoginGate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

_LOGGER = logging.getLogger(__name__)

# "error,return=-23", also "Error,return=..." and with the document's
# full-width comma (U+FF0C) between the two words.
_ERROR_REPLY = re.compile(
    r"^\s*error\s*[,\uff0c]\s*return\s*=\s*(-?\d{1,9})", re.IGNORECASE
)
_AROUND_REPLY = " \t\r\n\x0b\x0c\x00\ufeff"
_JPEG_MAGIC = b"\xff\xd8"
_HTTP_UNAUTHORIZED = 401
# "-507 Invalid username" (the document's error codes).
_INVALID_USERNAME = -507
_HTTP_OK = 200
_HTTP_REDIRECTS = (300, 400)
# A POST goes as the vendor's cycle.cs sends its start: an empty form
# (FormUrlEncodedContent of no values), the parameters in the query.
_EMPTY_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# The largest key=value reply we read (a camera's largest, its stream
# abilities or a log window of some hundred entries, are a few KB; a bigger
# reply is refused, so none costs the event loop much), and the largest still
# image (a 4K JPEG at the best quality is a few MB).
TEXT_REPLY_LIMIT = 256 << 10
IMAGE_REPLY_LIMIT = 16 << 20
# A still may take this many request timeouts in all, as long as its bytes
# keep coming (no gap of a request timeout), as the vendor's snapshot.py
# reads one (requests' timeout=10 bounds the connection and each read, not
# the whole): a large picture over a slow link still arrives.
IMAGE_TIMEOUTS = 6
_CHUNK = 64 << 10
# Finished URLs kept per client: a full poll asks some 25 different ones.
_URL_CACHE_SIZE = 64

Expect = Literal["kv", "ok", "text", "image"]


@dataclass(kw_only=True)
class Transport:
    """Requests to one camera, bounded per client, busy replies retried.

    The client holds one; its endpoint areas send through ``request``,
    ``get`` and ``set``.
    """

    host: str
    username: str
    password: str = field(repr=False)
    session: aiohttp.ClientSession = field(repr=False)
    port: int = 80
    use_https: bool = False
    verify_ssl: bool = True
    request_timeout: float = 10.0
    max_concurrent_requests: int = 2
    busy_retries: int = 3
    busy_backoff: float = 0.25
    _limiter: Limiter = field(init=False, repr=False)
    gate: LoginGate = field(init=False, repr=False, compare=False)
    # The URL up to the query and the encoded login, and what they were built
    # from (rebuilt when the address or the credentials change).
    _url_parts: tuple[tuple[object, ...], str, str] | None = field(
        init=False, repr=False, compare=False, default=None
    )
    # The latest reply to each get and its parse (see ``get``).
    _parsed: dict[tuple[str, tuple[kv.Pair, ...]], tuple[bytes, kv.KVBlock]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _timeouts: aiohttp.ClientTimeout | None = field(
        init=False, repr=False, compare=False, default=None
    )
    # Polls ask the same few requests again and again: their finished URLs,
    # by (cgi, params), for the current address and login.
    _urls: dict[tuple[str, tuple[kv.Pair, ...]], URL] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        """Create the per-client request bound."""
        self._limiter = Limiter(self.max_concurrent_requests)
        self.gate = LoginGate()

    @property
    def limiter(self) -> Limiter:
        """The bound every request to this camera takes a place of."""
        return self._limiter

    @property
    def _timeout(self) -> aiohttp.ClientTimeout:
        timeout = self._timeouts
        if timeout is None or timeout.total != self.request_timeout:
            timeout = self._timeouts = aiohttp.ClientTimeout(total=self.request_timeout)
        return timeout

    @property
    def _image_timeout(self) -> aiohttp.ClientTimeout:
        each = self.request_timeout
        return aiohttp.ClientTimeout(
            total=IMAGE_TIMEOUTS * each, sock_connect=each, sock_read=each
        )

    @property
    def base_url(self) -> URL:
        """The device's base URL (no credentials)."""
        return URL.build(
            scheme="https" if self.use_https else "http", host=self.host, port=self.port
        )

    def url(self, cgi: str, params: Sequence[kv.Pair] = ()) -> URL:
        """The CGI's URL with the login and ``params`` as its query.

        Every value is percent-encoded, a space as %20 as in the document's
        examples (``info=YYYY-MM-DD%20hh:mm:ss%20ww``): a form-style ``+``
        would reach a camera that only percent-decodes as a plus sign.
        """
        source = (self.use_https, self.host, self.port, self.username, self.password)
        if self._url_parts is None or self._url_parts[0] != source:
            login = [("userName", self.username), ("password", self.password)]
            self._url_parts = (
                source,
                str(self.base_url.with_path("/cgi-bin/")),
                urlencode(login, quote_via=quote, safe=""),
            )
            self._urls.clear()
        key = (cgi, tuple(params))
        if (cached := self._urls.get(key)) is not None:
            return cached
        _, head, query = self._url_parts
        if params:
            query += "".join(
                f"&{quote(name, safe='')}={quote(value, safe='')}"
                for name, value in params
            )
        url = URL(f"{head}{cgi}?{query}", encoded=True)
        if len(self._urls) >= _URL_CACHE_SIZE:
            self._urls.clear()  # sets and log windows differ every time
        self._urls[key] = url
        return url

    def ssl(self) -> bool:
        """Whether to verify the camera's certificate (always without HTTPS)."""
        return not (self.use_https and not self.verify_ssl)

    async def request(
        self,
        cgi: str,
        params: Sequence[kv.Pair],
        expect: Expect = "kv",
        *,
        slot: asyncio.Semaphore | None = None,
        urgent: bool = False,
        method: str = "GET",
    ) -> bytes:
        """Send one request; every problem comes out as an ExcelSenseError.

        ``slot`` replaces the client's shared bound (alarm operations have
        their own); ``urgent`` requests go first in it. Busy replies (-505,
        -511) are retried with backoff. After a refused login the gate holds
        requests back (``gate.LoginGate``).
        """
        attempt = 0
        while True:
            place = slot if slot is not None else self._limiter.place(urgent=urgent)
            try:
                async with place:
                    return await self._gated(cgi, params, expect, method)
            except ExcelSenseBusyError:
                attempt += 1
                if attempt > self.busy_retries:
                    raise
                delay = self.busy_backoff * 2 ** (attempt - 1)
                _LOGGER.debug("%s busy, retrying in %.2fs", self.host, delay)
                await asyncio.sleep(delay)

    async def _gated(
        self, cgi: str, params: Sequence[kv.Pair], expect: Expect, method: str
    ) -> bytes:
        """One request past the login gate, once it holds its place.

        Checked only now: a request that waited for its place sees a refusal
        that came meanwhile, and is not sent.
        """
        probe = self.gate.enter()
        try:
            body = await self._request_once(cgi, params, expect, method)
        except ExcelSenseAuthenticationError as err:
            if err.code == _INVALID_USERNAME and ("type", "User") in params:
                # An account command names the account it adds or changes:
                # its -507 may be about that one, not about our login (the
                # next request tells).
                self.gate.unanswered(probe=probe)
                raise ExcelSenseInvalidParameterError(err.code, err.message) from err
            self.gate.refused()
            raise
        except BaseException:  # no verdict on the login, cancelled ones included
            self.gate.unanswered(probe=probe)
            raise
        if _needs_login(cgi, params):
            self.gate.accepted()
        else:
            self.gate.unanswered(probe=probe)
        return body

    async def _request_once(
        self, cgi: str, params: Sequence[kv.Pair], expect: Expect, method: str
    ) -> bytes:
        limit = IMAGE_REPLY_LIMIT if expect == "image" else TEXT_REPLY_LIMIT
        with transport_errors(self.host, lambda: describe(cgi, params)):
            if self.session.closed:
                what = describe(cgi, params)
                msg = f"HTTP session closed, not sent to {self.host} ({what})"
                raise ExcelSenseConnectionError(msg, request_sent=False)
            # aiohttp's total covers sending and reading the whole body.
            response = await self.session.request(
                method,
                self.url(cgi, params),
                ssl=self.ssl(),
                allow_redirects=False,
                timeout=self._image_timeout if expect == "image" else self._timeout,
                data=b"" if method == "POST" else None,
                headers=_EMPTY_FORM if method == "POST" else None,
            )
            async with response:
                body = await read_capped(response, limit, cgi)
                status = response.status
                content_type = response.content_type
                to_https = redirects_to_https(status, response.headers)
        if _LOGGER.isEnabledFor(logging.DEBUG):
            _LOGGER.debug(
                "%s %s -> HTTP %s, %d bytes",
                self.host,
                describe(cgi, params),
                status,
                len(body),
            )
        if status == _HTTP_OK and expect == "kv" and not _may_be_error(body):
            return body  # the common case, without decoding: not an error reply
        if to_https:
            msg = f"HTTP {status}: the camera sends {describe(cgi, params)} to HTTPS"
            raise ExcelSenseHttpsRequiredError(None, msg)
        return check_reply(body, status, content_type, expect, describe(cgi, params))

    async def get(
        self, cgi: str, kind: str, *extra: kv.Pair, urgent: bool = False
    ) -> kv.KVBlock:
        """``action=get`` of one type, parsed.

        A reply byte for byte the same as the previous one to the same request
        (most polls find the settings unchanged) is not parsed again.
        """
        params = [("action", "get"), ("type", kind), *extra]
        body = await self.request(cgi, params, urgent=urgent)
        key = (cgi, tuple(params))
        previous = self._parsed.get(key)
        if previous is not None and previous[0] == body:
            return previous[1]
        block = kv.parse(body)
        if len(self._parsed) >= _URL_CACHE_SIZE:
            self._parsed.clear()
        self._parsed[key] = (body, block)
        return block

    async def set(self, cgi: str, kind: str, params: Sequence[kv.Pair]) -> None:
        """``action=set`` of one type; the camera must answer OK."""
        await self.request(cgi, [("action", "set"), ("type", kind), *params], "ok")


@contextlib.contextmanager
def transport_errors(host: str, what: Callable[[], str]) -> Iterator[None]:
    """Aiohttp's and the socket's errors as the library's, named by ``what()``.

    ``what`` is called only on an error (naming a request costs work that a
    request that succeeds does not need).
    """
    try:
        yield
    except TimeoutError:
        msg = f"Timeout talking to {host} ({what()})"
        raise ExcelSenseTimeoutError(msg) from None
    except (aiohttp.ClientConnectorError, socket.gaierror) as err:
        msg = f"Cannot connect to {host} ({what()}): {type(err).__name__}"
        raise ExcelSenseConnectionError(msg, request_sent=False) from None
    except (aiohttp.ClientError, OSError, RuntimeError) as err:
        # RuntimeError: aiohttp's word for a session closed under a request.
        msg = f"Error talking to {host} ({what()}): {type(err).__name__}"
        raise ExcelSenseConnectionError(msg) from None


async def read_capped(response: aiohttp.ClientResponse, limit: int, what: str) -> bytes:
    """The body, refused once it grows past ``limit`` bytes."""
    length = response.content_length
    if length is not None:
        if length > limit:
            raise ExcelSenseResponseError(None, f"Reply to {what} is too large")
        return await response.read()  # aiohttp reads no more than the length
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body.extend(chunk)
        if len(body) > limit:
            raise ExcelSenseResponseError(None, f"Reply to {what} is too large")
    return bytes(body)


def _needs_login(cgi: str, params: Sequence[kv.Pair]) -> bool:
    """Whether an answer proves the login.

    Some firmware answers deviceInfo without checking it.
    """
    return cgi != "param.cgi" or ("type", "deviceInfo") not in params


def _may_be_error(body: bytes) -> bool:
    """Whether a reply could be ``error,return=...`` as check_reply reads it.

    Conservative: any "error" among the bytes check_reply looks at.
    """
    return b"error" in body[:256].lower()


def check_reply(
    body: bytes, status: int, content_type: str, expect: Expect, what: str
) -> bytes:
    """Turn an error reply into its exception; return a usable body."""
    if expect == "image" and status == _HTTP_OK and body.startswith(_JPEG_MAGIC):
        return body
    # Around the reply: blanks, a byte-order mark, a C string's NUL.
    text = body[:256].decode("utf-8", errors="replace").strip(_AROUND_REPLY)
    if match := _ERROR_REPLY.match(text):
        raise error_for_code(int(match.group(1)))
    if status == _HTTP_UNAUTHORIZED:
        msg = "Unauthorized"
        raise ExcelSenseAuthenticationError(None, msg)
    if status != _HTTP_OK:
        msg = f"Unexpected HTTP status {status} for {what}"
        raise ExcelSenseHttpStatusError(None, msg)
    if expect == "image":
        msg = f"Reply to {what} is not a JPEG image ({content_type or 'no type'})"
        raise ExcelSenseResponseError(None, msg)
    if expect == "ok" and text.upper() != "OK":
        msg = f"Unexpected reply to {what}"
        raise ExcelSenseResponseError(None, msg)
    return body


def redirects_to_https(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a reply sends the request on to an https:// address."""
    if not _HTTP_REDIRECTS[0] <= status < _HTTP_REDIRECTS[1]:
        return False  # every ordinary reply: no header looked up
    return headers.get("Location", "").strip().lower().startswith("https:")


def describe(cgi: str, params: Sequence[kv.Pair]) -> str:
    """Name a request for messages and logs without any of its values."""
    found = dict(params)
    parts = [
        cgi,
        *(f"{key}={found[key]}" for key in ("action", "type") if key in found),
    ]
    return " ".join(parts)
