"""Waiting for what a test expects, instead of guessing a pause."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

_STEP = 0.01


async def eventually(
    condition: Callable[[], bool],
    seconds: float = 5.0,
    *,
    between: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Wait (real time) until ``condition`` holds; TimeoutError after ``seconds``.

    A fixed pause guesses how long something takes, and a loaded machine
    proves the guess wrong; this waits for the thing itself. ``between`` is
    awaited after each pause (Home Assistant's "block till done").
    """
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(_STEP)
            if between is not None:
                await between()
