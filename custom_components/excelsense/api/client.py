"""Asynchronous client for the ExcelSense CGI API: one object per camera.

Every setter checks its input against the document before anything is sent;
where the document states no range, only the type is checked and the camera
decides (it answers -23). The endpoints live in one module per CGI area;
the client holds the transport they all send through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from .alarms import AlarmArea
from .clock import ClockArea
from .device import DeviceArea
from .logs import LogsArea
from .media import MediaArea
from .onvif import OnvifClient
from .storage import StorageArea
from .transport import Transport

if TYPE_CHECKING:
    import aiohttp


class ExcelSenseClient(
    DeviceArea, ClockArea, MediaArea, StorageArea, AlarmArea, LogsArea
):
    """One camera.

    Requests are bounded per client (``max_concurrent_requests``) because the
    cameras' embedded CPUs answer few connections; busy replies are retried
    with a short backoff. Alarm-output operations run under one lock per
    camera, on a request slot of their own. The session belongs to the
    caller (the client never closes it).
    """

    def __init__(  # noqa: PLR0913 - the transport's settings, all keyword-only
        self,
        *,
        host: str,
        username: str,
        password: str,
        session: aiohttp.ClientSession,
        port: int = 80,
        use_https: bool = False,
        verify_ssl: bool = True,
        request_timeout: float = 10.0,
        max_concurrent_requests: int = 2,
        busy_retries: int = 3,
        busy_backoff: float = 0.25,
    ) -> None:
        """Talk to the camera at ``host:port`` with one account."""
        transport = self._transport = Transport(
            host=host,
            username=username,
            password=password,
            session=session,
            port=port,
            use_https=use_https,
            verify_ssl=verify_ssl,
            request_timeout=request_timeout,
            max_concurrent_requests=max_concurrent_requests,
            busy_retries=busy_retries,
            busy_backoff=busy_backoff,
        )
        self.onvif = OnvifClient.sharing(transport)
        """ONVIF events of the same camera (same account, bound and login gate)."""

    def __repr__(self) -> str:
        """The camera's address (never the credentials)."""
        return f"ExcelSenseClient(host={self.host!r}, port={self.port})"

    @property
    def transport(self) -> Transport:
        """The transport every request goes through (its settings, its bound)."""
        return self._transport

    @property
    def request_timeout(self) -> float:
        """Seconds one request may take."""
        return self._transport.request_timeout

    @request_timeout.setter
    def request_timeout(self, value: float) -> None:
        self._transport.request_timeout = value
        self.onvif.request_timeout = value

    async def __aenter__(self) -> Self:
        """Use as an async context manager (nothing to open)."""
        return self

    async def __aexit__(self, *_exc_info: object) -> None:
        """Nothing to close: the session belongs to the caller."""


__all__ = ["ExcelSenseClient"]
