"""Waiting for what a test expects, instead of guessing a pause."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

_STEP = 0.01


async def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait (real time) until ``condition`` holds; TimeoutError after ``seconds``.

    A fixed pause guesses how long something takes, and a loaded machine
    proves the guess wrong; this waits for the thing itself.
    """
    for _ in range(round(seconds / _STEP)):
        if condition():
            return
        await asyncio.sleep(_STEP)
    if not condition():
        msg = f"not within {seconds} s"
        raise TimeoutError(msg)
