"""Snapshots shared between callers: one device request serves them all."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import time
from typing import TYPE_CHECKING

from .api import ExcelSenseConnectionError

if TYPE_CHECKING:
    from .api import ExcelSenseClient


@dataclass(frozen=True)
class Snapshot:
    """A JPEG and when it was taken (monotonic seconds)."""

    image: bytes
    taken: float
    quality: int


class SnapshotSource:
    """Fetches JPEGs from image.cgi, sharing one request among concurrent callers.

    A dashboard with several cards, the camera proxy and other users of the
    picture ask at the same moment; the camera's CPU should see one request.
    """

    def __init__(self, client: ExcelSenseClient) -> None:
        """Serve snapshots of one camera."""
        self._client = client
        self._pending: dict[int, asyncio.Future[bytes]] = {}
        self.latest: Snapshot | None = None

    async def get(self, quality: int) -> bytes:
        """Return a fresh snapshot, joining a request already under way.

        Raises ExcelSenseError, also when the entry unloads meanwhile.
        """
        pending = self._pending.get(quality)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(quality))
            # Every caller may have given up (Home Assistant's own 10 s limit
            # on a still): the outcome is retrieved here all the same, so a
            # failed fetch is never "Task exception was never retrieved".
            pending.add_done_callback(_retrieve)
            self._pending[quality] = pending
        # Shielded: a caller that gives up must not cancel the others' request.
        try:
            return await asyncio.shield(pending)
        except asyncio.CancelledError:
            if pending.cancelled() and not _current_task_cancelling():
                msg = "The camera was unloaded during the snapshot"
                raise ExcelSenseConnectionError(msg) from None
            raise

    async def _fetch(self, quality: int) -> bytes:
        try:
            image = await self._client.snapshot(quality)
        finally:
            self._pending.pop(quality, None)
        self.latest = Snapshot(image, time.monotonic(), quality)
        return image

    async def async_close(self) -> None:
        """Cancel requests still under way (the entry is unloading)."""
        for pending in list(self._pending.values()):
            pending.cancel()
        self._pending.clear()


def _retrieve(future: asyncio.Future[bytes]) -> None:
    if not future.cancelled():
        future.exception()


def _current_task_cancelling() -> bool:
    """Whether the caller itself is being cancelled (not only the request)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
