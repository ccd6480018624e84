"""What one camera's requests share: the request bound and the login gate.

Every request to a camera, CGI or ONVIF, takes a place of its ``Limiter`` and
passes its ``LoginGate``, so a camera that serves few connections is never
asked more, and a refused password is not sent again and again.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from typing import Final

from .exceptions import ExcelSenseLoginPausedError

_LOGGER = logging.getLogger(__name__)

# After a refused login, requests wait this long before one of them is let
# through to confirm it (a camera's session table can refuse one by mistake).
LOGIN_PAUSE: Final = 30.0
# Refused logins before the gate stays closed: the password is wrong, and a
# camera may lock an account that keeps failing.
LOGIN_ATTEMPTS: Final = 3


class Limiter:
    """At most ``capacity`` requests at once; urgent ones are let in first.

    The motion check must not queue behind a poll's reads: an urgent waiter
    takes the next free place before any other waiter.
    """

    def __init__(self, capacity: int) -> None:
        """Allow ``capacity`` requests at once."""
        self.capacity = capacity
        self._free = capacity
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, *, urgent: bool = False) -> None:
        """Wait for a place (urgent waiters are served first)."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (0 if urgent else 1, next(self._order), future)
        heapq.heappush(self._waiters, entry)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # granted just as we were cancelled: pass it on
            elif entry in self._waiters:  # release() may have taken it out
                self._waiters.remove(entry)
                heapq.heapify(self._waiters)
            raise

    def release(self) -> None:
        """Give the place to the next waiter, or free it."""
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)
                return
        self._free += 1

    def place(self, *, urgent: bool = False) -> _Place:
        """Hold a place for the duration of an ``async with`` block."""
        return _Place(self, urgent=urgent)

    def held_place(self) -> _Place | _NoPlace:
        """A place held for long (a held ONVIF pull), never the only one.

        With a single place, taking it for a minute would stop every other
        request: such a limiter gives no place for long holds.
        """
        if self.capacity < 2:  # noqa: PLR2004 - one must stay for the others
            return _NoPlace()
        return _Place(self, urgent=False)


class _Place:
    """One place of a limiter, as an async context manager (no generator)."""

    __slots__ = ("_limiter", "_urgent")

    def __init__(self, limiter: Limiter, *, urgent: bool) -> None:
        self._limiter = limiter
        self._urgent = urgent

    async def __aenter__(self) -> None:
        await self._limiter.acquire(urgent=self._urgent)

    async def __aexit__(self, *_exc_info: object) -> None:
        self._limiter.release()


class _NoPlace:
    """No place at all (see ``Limiter.held_place``)."""

    __slots__ = ()

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *_exc_info: object) -> None:
        return None


class LoginGate:
    """Stops requests that would carry a refused password.

    After a refused login, requests are refused here, unsent, for
    ``LOGIN_PAUSE`` seconds; then one is let through to confirm. Accepted:
    the gate opens. Refused again: another pause. After ``LOGIN_ATTEMPTS``
    refused logins it stays closed: the password is wrong, and only new
    credentials (a new client) send again.
    """

    def __init__(
        self, pause: float = LOGIN_PAUSE, attempts: int = LOGIN_ATTEMPTS
    ) -> None:
        """A gate that is open."""
        self.pause = pause
        self.attempts = attempts
        self.refusals = 0
        self._reopen_at = 0.0
        self._probing = False

    @property
    def closed(self) -> bool:
        """Whether requests are held back now (a refusal not yet disproved)."""
        return self.refusals > 0

    @property
    def given_up(self) -> bool:
        """Whether the password is taken as wrong (no request is sent any more)."""
        return self.refusals >= self.attempts

    def enter(self) -> bool:
        """Let a request through, or raise ExcelSenseLoginPausedError.

        True when the request is the one that confirms the login: its outcome
        must be reported with ``accepted``, ``refused`` or ``unanswered``.
        """
        if not self.refusals:
            return False
        if self.given_up or self._probing or time.monotonic() < self._reopen_at:
            msg = "The camera refused the login; not sent again yet"
            raise ExcelSenseLoginPausedError(None, msg)
        self._probing = True
        return True

    def accepted(self) -> None:
        """A request that needs the login was answered: the gate opens."""
        if self.refusals:
            _LOGGER.debug("Login accepted again after %d refusal(s)", self.refusals)
        self.refusals = 0
        self._probing = False

    def refused(self, *, confirm_now: bool = False) -> None:
        """The camera refused the login (once more).

        ``confirm_now``: the next request confirms it without a pause (the
        refusal came from another service of the camera, ONVIF, which may
        keep its own accounts).
        """
        self.refusals += 1
        self._probing = False
        self._reopen_at = time.monotonic() + (0.0 if confirm_now else self.pause)

    def unanswered(self, *, probe: bool) -> None:
        """A request got no verdict on the login (a timeout, busy, another error).

        Nothing was refused, so the next request may confirm at once.
        """
        if probe:
            self._probing = False
