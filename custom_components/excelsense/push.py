"""Motion pushed by the camera: its ONVIF events, pulled through one subscription.

A background task of the entry holds one PullMessages at a time (the camera
answers the moment something happens, else after ``PULL_TIMEOUT``), renews
the subscription before it ends, makes it again within seconds when it is
lost, and backs off when the camera has no ONVIF or it keeps failing. Nothing
waits on a held pull: stopping cancels it and releases the subscription
within ``RELEASE_TIMEOUT``.

What it finds it reports to its owner (the motion coordinator) through two
callbacks: the events of each pull, and whether the path works (and why not).
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
import time
from typing import TYPE_CHECKING, Final

from .api import (
    ExcelSenseAuthenticationError,
    ExcelSenseError,
    ExcelSenseLoginPausedError,
    ExcelSenseNotOnvifError,
    ExcelSenseNotSupportedError,
    ExcelSenseOnvifHttpsOnlyError,
    ExcelSenseSubscriptionLostError,
)
from .const import LOGGER

if TYPE_CHECKING:
    from collections.abc import Callable

    from .api import OnvifClient, OnvifEvent, OnvifSubscription

# "The device shall support a Timeout of at least one minute" (ONVIF Core,
# PullMessages): the pull is held up to this long.
PULL_TIMEOUT: Final = timedelta(seconds=60)
PULL_LIMIT: Final = 100
# Firmware that answers a pull at once must not make a request storm.
MIN_PULL_INTERVAL: Final = 1.0
# The subscription's life, renewed when less than RENEW_BEFORE of it is left,
# and before any pull that could outlast it (a camera may choose a term no
# longer than the pull's Timeout): the pull, its reply and this margin.
SUBSCRIPTION_TERM: Final = timedelta(minutes=10)
RENEW_BEFORE: Final = timedelta(minutes=3)
RENEW_MARGIN: Final = timedelta(seconds=5)
# Renewals come at least this far apart, also after one that failed (not
# refused): a camera that grants short terms and answers pulls at once is
# not renewed before every pull.
RENEW_RETRY: Final = timedelta(seconds=10)
# Failures in a row (pulls or attempts to subscribe) before the path is taken
# as down; the first ones are retried after a second or two (a lost
# subscription, a reboot), later ones after RETRY_DELAYS.
FAILURES_BEFORE_DOWN: Final = 3
RETRY_DELAYS: Final = (1.0, 2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0)
# Subscriptions lost in a row also follow RETRY_DELAYS: a camera that forgets
# each one soon after making it is not asked for a new one every second. One
# that lived this long ends the row.
LASTED: Final = timedelta(minutes=1)
# A camera without ONVIF, or whose ONVIF refuses our login, is asked again
# rarely: at most a few requests an hour.
UNSUPPORTED_DELAYS: Final = (600.0, 1200.0, 2400.0, 3600.0)
REFUSED_DELAY: Final = 1800.0
# ... doubled at each refusal in a row, up to this many times: where only
# ONVIF refuses the login (its own accounts), the camera's other requests keep
# its login gate open, and this is all that spaces the refused attempts out.
REFUSED_DOUBLINGS: Final = 3
PAUSED_DELAY: Final = 60.0
# Unsubscribing at unload or stop waits at most this long.
RELEASE_TIMEOUT: Final = 2.0


class PushReason(StrEnum):
    """Why the pushed path works or not (shown by the motion source sensor)."""

    RECEIVING = "receiving"
    STARTING = "starting"
    NO_ONVIF = "no_onvif"
    NO_EVENT_SERVICE = "no_event_service"
    HTTPS_ONLY = "onvif_https_only"
    LOGIN_REFUSED = "onvif_login_refused"
    FAILING = "onvif_failing"
    CAMERA_LOGIN_REFUSED = "camera_login_refused"


# Reasons ONVIF events are not to be had from this camera as it is set up:
# asked again only rarely.
UNSUPPORTED = frozenset(
    {PushReason.NO_ONVIF, PushReason.NO_EVENT_SERVICE, PushReason.HTTPS_ONLY}
)


@dataclass(frozen=True)
class PushStatus:
    """Whether pushed events arrive, and why not."""

    up: bool
    reason: PushReason
    error: str | None = None


class OnvifPush:
    """One camera's ONVIF event subscription and the loop that pulls it."""

    def __init__(
        self,
        client: OnvifClient,
        *,
        on_events: Callable[[list[OnvifEvent]], None],
        on_status: Callable[[PushStatus], None],
    ) -> None:
        """Pull ``client``'s events; report them and the path's state."""
        self.client = client
        self._on_events = on_events
        self._on_status = on_status
        self._subscription: OnvifSubscription | None = None
        self._task: asyncio.Task[None] | None = None
        self.status = PushStatus(up=False, reason=PushReason.STARTING)
        self._failures = 0
        self._unsupported = 0
        # ONVIF logins refused in a row.
        self._refused = 0
        # Subscriptions lost in a row, and when the current one was made.
        self._losses = 0
        self._made = 0.0
        # Whether a pull ever worked (ONVIF is there, whatever answers now).
        self._worked = False
        self._subscribing: asyncio.Future[OnvifSubscription] | None = None
        self._stopping = asyncio.Lock()
        # Subscriptions given up, being released in the background.
        self._releasing: set[asyncio.Task[None]] = set()
        # False once the camera refused Renew (its pulls keep it alive).
        self._renews = True
        # When (loop time) a renewal that failed may be tried again.
        self._renew_again = 0.0

    @property
    def running(self) -> bool:
        """Whether the loop runs."""
        return self._task is not None and not self._task.done()

    # ------------------------------------------------------------ subscribing

    async def async_try_start(self) -> PushStatus:
        """Subscribe once (at setup): whether the path works, and why not.

        Nothing the camera's ONVIF answers stops the camera from loading: an
        error nobody foresaw is logged and the path is down (the loop tries
        again, and stops with the same words if it comes again).
        """
        try:
            await self._attempt()
        except Exception as err:  # noqa: BLE001 - logged, and the path marked down
            LOGGER.exception("ONVIF events of %s failed", self.client.host)
            self._set(PushReason.FAILING, err)
        return self.status

    async def _attempt(self) -> None:
        """Read the clock, find the event service, subscribe; set the status."""
        missing = PushReason.NO_ONVIF
        try:
            # Tokens are stamped in the camera's clock: read it at every
            # (re)subscription, the camera may have been reset meanwhile.
            await self.client.clock()
            missing = PushReason.NO_EVENT_SERVICE
            # Shielded and kept: stopping while the camera creates the pull
            # point waits for it, so that it is released too.
            self._subscribing = asyncio.ensure_future(
                self.client.subscribe(SUBSCRIPTION_TERM)
            )
            self._subscription = await asyncio.shield(self._subscribing)
        except ExcelSenseLoginPausedError as err:
            self._set(PushReason.CAMERA_LOGIN_REFUSED, err)
        except ExcelSenseAuthenticationError as err:
            self._refused += 1
            self._set(PushReason.LOGIN_REFUSED, err)
        except ExcelSenseNotSupportedError as err:
            if isinstance(err, ExcelSenseNotOnvifError) and self._worked:
                # A web server where ONVIF answered before: restarting, most
                # likely (not "no ONVIF", asked again only every 10 minutes).
                self._failed_attempt(err)
            else:
                self._unsupported += 1
                https_only = isinstance(err, ExcelSenseOnvifHttpsOnlyError)
                self._set(PushReason.HTTPS_ONLY if https_only else missing, err)
        except ExcelSenseError as err:
            self._failed_attempt(err)
        else:
            self._unsupported = self._refused = 0
            self._renews = True
            self._renew_again = 0.0
            self._made = asyncio.get_running_loop().time()
            # Up once pulls work again: a subscription alone proves little
            # (a camera may take subscriptions and fail every pull).
            if self._failures < FAILURES_BEFORE_DOWN:
                self._set(PushReason.RECEIVING)
            await self._synchronize(self._subscription)

    async def _synchronize(self, subscription: OnvifSubscription) -> None:
        """Ask a new subscription for every property's state now.

        Cameras that send no "Initialized" messages on their own do on
        SetSynchronizationPoint (ONVIF Core 9.5; Home Assistant's onvif
        integration asks after every CreatePullPointSubscription): a motion
        that ended while no subscription was there is then read as ended.
        Optional for the path: any failure is only logged.
        """
        try:
            await subscription.synchronize()
        except ExcelSenseError as err:
            LOGGER.debug("%s SetSynchronizationPoint: %s", self.client.host, err)

    def _failed_attempt(self, err: ExcelSenseError) -> None:
        """Subscribing failed: down at once if it was not up, else after a few."""
        self._failures += 1
        if self._failures >= FAILURES_BEFORE_DOWN or not self.status.up:
            self._set(PushReason.FAILING, err)

    def _set(self, reason: PushReason, error: BaseException | None = None) -> None:
        status = PushStatus(
            up=reason is PushReason.RECEIVING,
            reason=reason,
            error=None if error is None else str(error),
        )
        if status != self.status:
            LOGGER.debug(
                "ONVIF events of %s: %s%s",
                self.client.host,
                reason,
                "" if error is None else f" ({error})",
            )
            self.status = status
            self._on_status(status)

    def _delay(self) -> float:
        """How long to wait before the next attempt, from the current status."""
        reason = self.status.reason
        if reason in UNSUPPORTED:
            index = min(self._unsupported, len(UNSUPPORTED_DELAYS)) - 1
            return UNSUPPORTED_DELAYS[max(index, 0)]
        if reason is PushReason.LOGIN_REFUSED:
            return REFUSED_DELAY * 2.0 ** min(
                max(self._refused - 1, 0), REFUSED_DOUBLINGS
            )
        if reason is PushReason.CAMERA_LOGIN_REFUSED:
            # Nothing is sent while the camera's login gate is closed: ask
            # again soon, so events resume once the login is confirmed.
            return PAUSED_DELAY
        index = min(max(self._failures, self._losses), len(RETRY_DELAYS)) - 1
        return RETRY_DELAYS[max(index, 0)]

    # ------------------------------------------------------------ the loop

    def start(self, create_task: Callable[..., asyncio.Task[None]]) -> None:
        """Run the loop as a task made by ``create_task`` (the entry's)."""
        if not self.running:
            self._task = create_task(self._run())

    async def _run(self) -> None:
        logged = False
        while True:
            try:
                await self._loop()
            except Exception as err:  # noqa: BLE001 - logged, the path down, retried
                # Never silently, and never for good: an error nobody foresaw
                # (a reply no rule was written for) is a failure like any
                # other, tried again after the usual back-off.
                if logged:
                    LOGGER.debug("ONVIF events of %s failed: %r", self.client.host, err)
                else:
                    LOGGER.exception("ONVIF events of %s failed", self.client.host)
                    logged = True
                self._failures = max(self._failures + 1, FAILURES_BEFORE_DOWN)
                self._give_up()
                self._set(PushReason.FAILING, err)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._subscription is None:
                if self.status.reason is not PushReason.STARTING:
                    await asyncio.sleep(self._delay())
                await self._attempt()
                if self._subscription is None:
                    continue
            started = loop.time()
            if not await self._pull_once():
                # A subscription given up or lost waits once, before the next.
                if self._subscription is not None:
                    await asyncio.sleep(self._delay())
                continue
            # At least MIN_PULL_INTERVAL between pulls, however fast the reply.
            elapsed = loop.time() - started
            if elapsed < MIN_PULL_INTERVAL:
                await asyncio.sleep(MIN_PULL_INTERVAL - elapsed)

    async def _pull_once(self) -> bool:
        """One pull (after a renewal when due); whether it worked."""
        subscription = self._subscription
        assert subscription is not None  # noqa: S101 - checked by the loop
        await self._renew_if_due(subscription)
        try:
            events = await subscription.pull(PULL_TIMEOUT, PULL_LIMIT)
        except ExcelSenseError as err:
            self._failed(err)
            return False
        self._failures = 0
        self._worked = True
        if asyncio.get_running_loop().time() - self._made >= LASTED.total_seconds():
            self._losses = 0
        self._set(PushReason.RECEIVING)
        if events:
            self._on_events(events)
        return True

    def _failed(self, err: ExcelSenseError) -> None:
        """A pull or renewal failed: pulled again, or the subscription made again.

        The subscription is kept through a passing failure (it is likely still
        there); one the camera says is gone is made again; after
        FAILURES_BEFORE_DOWN failures in a row it is given up (and released,
        so it does not hold one of the camera's few pull points) and the path
        is down until a new one works.
        """
        if isinstance(err, ExcelSenseLoginPausedError):
            self._set(PushReason.CAMERA_LOGIN_REFUSED, err)
            return
        self._failures += 1
        if isinstance(err, ExcelSenseSubscriptionLostError):
            # A reboot, an expired termination time: subscribe again now.
            LOGGER.debug("ONVIF subscription of %s lost: %s", self.client.host, err)
            self._subscription = None
            self._losses += 1
        elif self._failures >= FAILURES_BEFORE_DOWN:
            self._give_up()
        if self._failures >= FAILURES_BEFORE_DOWN:
            self._set(PushReason.FAILING, err)

    def _give_up(self) -> None:
        """Release the subscription in the background (bounded), forget it."""
        subscription, self._subscription = self._subscription, None
        if subscription is None:
            return

        async def release() -> None:
            with suppress(ExcelSenseError, TimeoutError):
                async with asyncio.timeout(RELEASE_TIMEOUT):
                    await subscription.unsubscribe()

        task = asyncio.get_running_loop().create_task(release())
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _renew_if_due(self, subscription: OnvifSubscription) -> None:
        """Renew before a pull that could outlast the subscription.

        Due when less than RENEW_BEFORE is left, or less than the pull's
        Timeout and RENEW_MARGIN: a pull point that ended during the pull
        would be lost. The time left is the camera's word, else our count
        from when it was made or renewed (``OnvifSubscription.time_left``).
        A camera that refuses Renew keeps a pull point alive by its pulls
        (ONVIF Core from 25.06 on): then the pulls are enough, or the
        subscription is made again when it is lost. So is one whose Renew
        answers as if the subscription were gone: the pull that follows says
        whether it is (then a new one is made, and renewed again).
        """
        due = max(RENEW_BEFORE, PULL_TIMEOUT + RENEW_MARGIN)
        now = asyncio.get_running_loop().time()
        if (
            not self._renews
            or now < self._renew_again
            or subscription.time_left() > due
        ):
            return
        self._renew_again = now + RENEW_RETRY.total_seconds()
        try:
            await subscription.renew(SUBSCRIPTION_TERM)
        except (ExcelSenseNotSupportedError, ExcelSenseSubscriptionLostError) as err:
            LOGGER.debug("%s does not renew: %s", self.client.host, err)
            self._renews = False
        except ExcelSenseError as err:
            # Failed otherwise (a timeout, a fault): the pulls go on while the
            # subscription lasts, and say when it is gone.
            LOGGER.debug("%s renewal failed: %s", self.client.host, err)

    # ------------------------------------------------------------ stopping

    async def async_stop(self) -> None:
        """Stop pulling and release the subscription (bounded).

        Stops that overlap (the last entity removed, then the unload) wait for
        each other: the first one's release is never cut short by the next.
        """
        async with self._stopping:
            task, self._task = self._task, None
            if task is not None:
                task.cancel()
                await asyncio.wait([task])
            started = time.monotonic()
            try:
                async with asyncio.timeout(RELEASE_TIMEOUT):
                    await self._release()
                    if self._releasing:
                        await asyncio.wait(list(self._releasing))
            except (ExcelSenseError, TimeoutError) as err:
                LOGGER.debug(
                    "Unsubscribing %s failed after %.1f s: %s",
                    self.client.host,
                    time.monotonic() - started,
                    err,
                )
            self.status = PushStatus(up=False, reason=PushReason.STARTING)

    async def _release(self) -> None:
        subscribing, self._subscribing = self._subscribing, None
        if subscribing is not None and not subscribing.done():
            # A pull point the camera is creating right now: released too.
            with suppress(ExcelSenseError):
                self._subscription = await subscribing
        subscription, self._subscription = self._subscription, None
        if subscription is not None:
            await subscription.unsubscribe()
