"""Fixtures for the emulator's own tests: a started camera and a small client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
import re
from typing import TYPE_CHECKING

import aiohttp
import pytest

from tests.emulator import EmulatedCamera, ManualClock, kv

if TYPE_CHECKING:
    from multidict import CIMultiDictProxy

_ERROR = re.compile(r"^\s*error[,\uff0c]return=(-?\d+)\s*$", re.IGNORECASE)

type Params = Mapping[str, str] | Sequence[tuple[str, str]]


def error_code(text: str) -> int | None:
    """The code of an ``error,return=<n>`` reply (any style), else None."""
    match = _ERROR.match(text)
    return int(match.group(1)) if match else None


@dataclass
class Api:
    """Minimal client for the emulator tests (the real client lives elsewhere)."""

    session: aiohttp.ClientSession
    cam: EmulatedCamera
    username: str = "admin"
    password: str = "admin"

    def _params(self, params: Params, *, auth: bool) -> list[tuple[str, str]]:
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        if auth:
            pairs = [("userName", self.username), ("password", self.password), *pairs]
        return pairs

    async def raw(
        self, cgi: str, params: Params = (), *, auth: bool = True
    ) -> tuple[int, CIMultiDictProxy[str], bytes]:
        """Status, headers and body of one request."""
        url = f"{self.cam.url}/cgi-bin/{cgi}"
        async with self.session.get(
            url, params=self._params(params, auth=auth)
        ) as response:
            return response.status, response.headers, await response.read()

    async def text(self, cgi: str, params: Params = (), *, auth: bool = True) -> str:
        """Body of a 200 reply as text."""
        status, _headers, body = await self.raw(cgi, params, auth=auth)
        assert status == 200
        return body.decode()

    async def code(self, cgi: str, params: Params = ()) -> int | None:
        """Error code of the reply, None when it is not an error."""
        return error_code(await self.text(cgi, params))

    async def get(self, type_: str, cgi: str = "param.cgi", **params: str) -> kv.Node:
        """A successful get, parsed."""
        text = await self.text(cgi, {"action": "get", "type": type_, **params})
        assert error_code(text) is None, text
        return kv.parse_text(text)

    async def set(self, type_: str, cgi: str = "param.cgi", **params: str) -> None:
        """A set that must answer OK."""
        text = await self.text(cgi, {"action": "set", "type": type_, **params})
        assert text.strip() == "OK", text

    async def set_code(
        self, type_: str, cgi: str = "param.cgi", **params: str
    ) -> int | None:
        """Error code of a set (None when it answered OK)."""
        return await self.code(cgi, {"action": "set", "type": type_, **params})


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the integration tests' autouse fixture: no Home Assistant here."""


@pytest.fixture
def clock() -> ManualClock:
    """A fake clock for the camera."""
    return ManualClock()


@pytest.fixture
async def cam(
    socket_enabled: None, clock: ManualClock
) -> AsyncIterator[EmulatedCamera]:
    """A started ToughEye on a free port, driven by the fake clock."""
    async with EmulatedCamera(clock=clock) as camera:
        yield camera


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client session."""
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def api(session: aiohttp.ClientSession, cam: EmulatedCamera) -> Api:
    """Client bound to the ``cam`` fixture."""
    return Api(session, cam)
