"""HTTP side of the emulator: aiohttp server, latency, limits, faults, request log."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import asdict, dataclass, field, replace
from http import HTTPStatus
import logging
import random
import time
from typing import TYPE_CHECKING, Literal, Self, TypedDict, Unpack, get_args

from aiohttp import web
from multidict import MultiDict

from .device import (
    DEFAULT_MAC,
    ERR_BUSY,
    ERR_MAX_CONNECTIONS,
    SELF_CLEAN_PROFILE,
    Device,
    Quirks,
)
from .onvif import OnvifQuirks, OnvifService
from .rtsp import RtspServer

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from types import TracebackType

    from multidict import MultiMapping

    from .device import AlarmOutProfile, DeviceState, LogEntry, Pulse, Reply
    from .onvif import OnvifCall

_LOGGER = logging.getLogger(__name__)

type FaultKind = Literal[
    "latency", "error", "http_status", "garbage", "truncated", "disconnect", "trickle"
]
_FAULT_KINDS = frozenset(get_args(FaultKind.__value__))
_SECRET_KEYS = frozenset({"password"})
_MASKED_KEYS = frozenset({"newpasswd"})
_BOUNDARY = b"myboundary"


@dataclass
class Fault:
    """A broken reply the server gives to matching requests.

    ``path`` is the CGI file name (None: any), ``params`` values the query must
    carry, ``skip`` lets the first matching requests through, ``count`` limits
    how often it fires (None: forever) and ``apply`` processes the request (state
    changes) before the broken reply.  ``seen`` / ``fired`` count what happened.

    ``trickle`` answers the whole reply in four parts ``delay`` seconds apart
    (a slow link).

    ``latency`` holds the request ``delay`` seconds, then carries it out and
    answers (``apply`` makes no difference). A client that gave up meanwhile
    has closed its connection: the request is still carried out, at that late
    moment, as by a web server that runs a CGI request it has read whether or
    not the client still waits (aiohttp's server does not cancel a handler
    whose client left); only the reply is lost. The document says nothing
    either way; this is the case the client must survive.

    ``http_status`` answers ``status``; with ``location`` it is a redirect
    there, ``{path}`` and ``{query}`` in it replaced by the request's own (a
    web server that sends plain HTTP on to HTTPS repeats the whole request,
    password included). The document says nothing of redirects: a fault,
    never what the emulated camera does by itself.
    """

    kind: FaultKind
    path: str | None = None
    params: Mapping[str, str | int | float] | None = None
    count: int | None = None
    skip: int = 0
    apply: bool = False
    delay: float = 1.0
    code: int = ERR_BUSY
    status: int = 503
    location: str | None = None
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        """Reject unknown fault kinds early."""
        if self.kind not in _FAULT_KINDS:
            msg = f"unknown fault kind {self.kind!r}; known: {sorted(_FAULT_KINDS)}"
            raise ValueError(msg)

    def matches(self, path: str, query: MultiMapping[str]) -> bool:
        """True when the request addresses this fault."""
        if self.path is not None and self.path.rsplit("/", 1)[-1] != path:
            return False
        return all(
            str(value) in query.getall(key, [])
            for key, value in (self.params or {}).items()
        )

    def take(self, path: str, query: MultiMapping[str]) -> bool:
        """Count a request; True when the fault fires for it."""
        if not self.matches(path, query):
            return False
        self.seen += 1
        if self.seen <= self.skip or (
            self.count is not None and self.fired >= self.count
        ):
            return False
        self.fired += 1
        return True


@dataclass
class RequestRecord:
    """One request as the device saw it (``password`` removed, ``newpasswd`` masked).

    ``status`` is the HTTP status answered (None when the connection was dropped),
    ``fault`` the fault kind that shaped the reply ("restart" while rebooting).
    """

    time: float
    path: str
    params: tuple[tuple[str, str], ...]
    status: int | None = None
    fault: str | None = None
    method: str = "GET"
    content_type: str = ""
    # The query as sent (still percent-encoded), the secrets taken out as above.
    raw_query: str = ""

    def get(self, key: str) -> str | None:
        """First value of ``key`` in the query."""
        return next((value for name, value in self.params if name == key), None)


def _redact_raw(query: str) -> str:
    kept = []
    for part in query.split("&"):
        key = part.partition("=")[0].lower()
        if key in _SECRET_KEYS:
            continue
        kept.append(f"{key}=***" if key in _MASKED_KEYS else part)
    return "&".join(kept)


def _redact(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (key, "***" if key.lower() in _MASKED_KEYS else value)
        for key, value in pairs
        if key.lower() not in _SECRET_KEYS
    )


def offset_mac(mac: str, offset: int) -> str:
    """``mac`` plus ``offset`` (the last bytes incremented, with carry)."""
    value = (int(mac.replace(":", ""), 16) + offset) % (1 << 48)
    digits = f"{value:012X}"
    return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


class CameraOptions(TypedDict, total=False):
    """Keyword arguments of ``EmulatedCamera`` that ``start_many`` passes on."""

    username: str
    password: str
    model: str
    host: str
    latency: float
    max_connections: int | None
    mac: str
    quirks: Quirks | None
    onvif_quirks: OnvifQuirks | None
    clock: Callable[[], float]
    cleaning_duration: float
    dirt_rate: float
    restart_downtime: float
    frame_interval: float
    rtsp: bool


class ManualClock:
    """A monotonic clock for ``EmulatedCamera(clock=...)`` that moves only when told."""

    def __init__(self, start: float = 1000.0) -> None:
        """Start at ``start`` seconds."""
        self.now = start

    def __call__(self) -> float:
        """Current time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


class EmulatedCamera:
    """An emulated ExcelSense camera listening on a local TCP port."""

    def __init__(
        self,
        *,
        username: str = "admin",
        password: str = "admin",  # noqa: S107 - the factory default
        model: str = "ToughEye-1700",
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        max_connections: int | None = None,
        mac: str = DEFAULT_MAC,
        quirks: Quirks | None = None,
        onvif_quirks: OnvifQuirks | None = None,
        clock: Callable[[], float] = time.monotonic,
        cleaning_duration: float = 6.0,
        dirt_rate: float = 0.0,
        restart_downtime: float = 0.0,
        frame_interval: float = 0.5,
        rtsp: bool = False,
    ) -> None:
        """Create the camera; ``start()`` makes it listen.

        ``rtsp`` also serves a live H.264 stream (needs ffmpeg, see ``rtsp``) at
        the URL video.cgi reports: rtspPort becomes that server's free port.
        ``onvif_quirks`` shapes the ONVIF services under /onvif/ (see ``onvif``).
        """
        self.quirks = quirks if quirks is not None else Quirks()
        self.latency = latency
        self.max_connections = max_connections
        self.frame_interval = frame_interval
        self.requests: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self._host = host
        self._port = port
        self._clock = clock
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._in_flight = 0
        self._rtsp_wanted = rtsp
        self.rtsp: RtspServer | None = None
        own_ip = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104
        self.device = Device(
            model=model,
            mac=mac,
            ip=own_ip,
            username=username,
            password=password,
            quirks=self.quirks,
            clock=clock,
            wall_clock=time.time,
            cleaning_duration=cleaning_duration,
            dirt_rate=dirt_rate,
            restart_downtime=restart_downtime,
        )
        self.onvif = OnvifService(
            self.device,
            lambda: self.device.state.ports.values["httpPort"],
            onvif_quirks if onvif_quirks is not None else OnvifQuirks(),
        )

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Listen on ``host:port`` (port 0 picks a free one)."""
        if self._runner is not None:
            msg = "camera already started"
            raise RuntimeError(msg)
        self._closing = asyncio.Event()
        self.onvif.events.reopen()
        app = web.Application()
        app.router.add_route("*", "/cgi-bin/{name:.*}", self._handle)
        app.router.add_get("/emulator/state", self._debug_state)
        app.router.add_get("/emulator/requests", self._debug_requests)
        app.router.add_post("/emulator/motion", self._motion_control)
        app.router.add_post("/emulator/blurry", self._blurry_control)
        app.router.add_route("*", "/onvif/{tail:.*}", self._handle_onvif)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self._host, self._port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._sync_ports()
        if self._rtsp_wanted:
            await self._start_rtsp()
        _LOGGER.debug("emulated %s listening on %s", self.device.state.model, self.url)

    async def stop(self) -> None:
        """Stop listening; running MJPEG streams end cleanly."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing.set()
        self.onvif.events.close()
        rtsp, self.rtsp = self.rtsp, None
        if rtsp is not None:
            await rtsp.stop()
        await runner.cleanup()

    async def _start_rtsp(self) -> None:
        def authenticate(name: str, password: str) -> bool:
            user = self.device.state.users.get(name)
            return user is not None and user.password == password

        def size(stream: int) -> tuple[int, int]:
            # The stream's own resolution, scaled down like the stills; H.264
            # in 4:2:0 needs even sides.
            frame = self.device.frame(stream)
            return frame.width // 2 * 2, frame.height // 2 * 2

        self.rtsp = RtspServer(
            authenticate=authenticate,
            overlay=lambda stream: self.device.frame(stream).lines,
            size=size,
            streams=self.device.state.streams.keys,
            host=self._host,
        )
        try:
            await self.rtsp.start()
        except BaseException:
            await self.stop()
            raise
        self._sync_ports()

    def _sync_ports(self) -> None:
        """Report the ports really served (again after a factory reset)."""
        ports = self.device.state.ports.values
        if self._runner is not None:
            ports["httpPort"] = str(self._port)
        if self.rtsp is not None:
            ports["rtspPort"] = str(self.rtsp.port)

    async def __aenter__(self) -> Self:
        """Start on entering the context."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop on leaving the context."""
        await self.stop()

    @property
    def host(self) -> str:
        """Host the camera listens on."""
        return self._host

    @property
    def port(self) -> int:
        """Port the camera listens on (the real one once started)."""
        return self._port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8080``."""
        return f"http://{self._host}:{self._port}"

    # ----------------------------------------------------------------- device view

    @property
    def state(self) -> DeviceState:
        """The device configuration (see ``tests.emulator.device``)."""
        return self.device.state

    @property
    def pulses(self) -> list[Pulse]:
        """Every manual alarm-output pulse so far."""
        return self.device.pulses

    @property
    def cleaning(self) -> bool:
        """True for ``cleaning_duration`` seconds after a completed self-clean pulse."""
        return self.device.cleaning

    @property
    def led_normally_disabled(self) -> bool:
        """LED normally-disabled mode (toggled by completed 900 ms pulses)."""
        return self.device.led_normally_disabled

    @led_normally_disabled.setter
    def led_normally_disabled(self, value: bool) -> None:
        self.device.led_normally_disabled = value

    @property
    def led_shutoff(self) -> bool:
        """LED shutoff mode (toggled by completed 1700 ms pulses)."""
        return self.device.led_shutoff

    @led_shutoff.setter
    def led_shutoff(self, value: bool) -> None:
        self.device.led_shutoff = value

    @property
    def dirt(self) -> float:
        """Lens dirt 0..1."""
        return self.device.dirt

    @dirt.setter
    def dirt(self, value: float) -> None:
        self.device.dirt = value

    @property
    def stuck(self) -> bool:
        """When True a self-clean runs but leaves the dirt where it is."""
        return self.device.stuck

    @stuck.setter
    def stuck(self, value: bool) -> None:
        self.device.stuck = value

    @property
    def cleaning_duration(self) -> float:
        """Seconds the wiper runs after a self-clean."""
        return self.device.cleaning_duration

    @cleaning_duration.setter
    def cleaning_duration(self, value: float) -> None:
        self.device.cleaning_duration = value

    @property
    def dirt_rate(self) -> float:
        """Dirt added per hour of clock."""
        return self.device.dirt_rate

    @dirt_rate.setter
    def dirt_rate(self, value: float) -> None:
        self.device.dirt_rate = value

    @property
    def restart_downtime(self) -> float:
        """Seconds the device drops every connection after restart/reset."""
        return self.device.restart_downtime

    @restart_downtime.setter
    def restart_downtime(self, value: float) -> None:
        self.device.restart_downtime = value

    @property
    def system_logs(self) -> list[LogEntry]:
        """System log entries (boot, restarts, setting changes, ...)."""
        return self.device.system_logs

    @property
    def alarm_logs(self) -> list[LogEntry]:
        """Alarm log entries (pulses, motion)."""
        return self.device.alarm_logs

    def alarm_out_profile(self) -> AlarmOutProfile:
        """Current alarmOut settings."""
        return self.device.alarm_out_profile()

    def is_self_clean_profile(self) -> bool:
        """True when alarmOut is the self-clean profile (1, 2, 5 Hz, 300 ms)."""
        return self.device.alarm_out_profile() == SELF_CLEAN_PROFILE

    def snapshot_jpeg(self, quality: int = 9) -> bytes:
        """The JPEG image.cgi would answer now."""
        return self.device.jpeg(1, quality)

    def trigger_motion(self, duration: float | None = 10.0) -> bool:
        """Something moves for ``duration`` s (see ``Device.trigger_motion``)."""
        return self.device.trigger_motion(duration)

    def end_motion(self) -> None:
        """The motion stops now."""
        self.device.end_motion()

    @property
    def motion_active(self) -> bool:
        """Whether a motion alarm runs now."""
        return self.device.motion_active

    @property
    def onvif_quirks(self) -> OnvifQuirks:
        """ONVIF firmware variants (see ``onvif.OnvifQuirks``)."""
        return self.onvif.quirks

    @property
    def onvif_subscriptions(self) -> int:
        """Live ONVIF pull-point subscriptions (neither expired nor unsubscribed)."""
        return self.onvif.events.live_count()

    def drop_onvif_subscriptions(self) -> None:
        """Lose every ONVIF subscription now, as a reboot does."""
        self.onvif.events.drop_all()

    def set_image_too_blurry(self, active: bool) -> None:
        """Raise or clear tns1:VideoSource/ImageTooBlurry/ImagingService."""
        self.onvif.set_image_too_blurry(active=active)

    # ----------------------------------------------------------------- faults and log

    def inject(self, fault: Fault) -> Fault:
        """Add a fault (checked in injection order; the first that fires wins)."""
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.faults.clear()

    def clear_requests(self) -> None:
        """Forget the request log."""
        self.requests.clear()

    def _take_fault(self, path: str, query: MultiMapping[str]) -> Fault | None:
        return next((fault for fault in self.faults if fault.take(path, query)), None)

    # ----------------------------------------------------------------- serving

    async def _motion_control(self, request: web.Request) -> web.Response:
        """Test control (outside /cgi-bin): ``?seconds=N`` moves, ``?stop=1`` stops."""
        if request.query.get("stop"):
            self.end_motion()
            return web.json_response({"motion": False})
        try:
            seconds = float(request.query.get("seconds", "10"))
        except ValueError:
            return web.json_response({"error": "seconds must be a number"}, status=400)
        raised = self.trigger_motion(seconds if seconds > 0 else None)
        return web.json_response({"motion": raised})

    async def _blurry_control(self, request: web.Request) -> web.Response:
        """Test control: ``?state=1`` raises ImageTooBlurry, ``?state=0`` clears it."""
        active = request.query.get("state", "1") not in ("0", "false")
        self.set_image_too_blurry(active)
        return web.json_response({"blurry": active})

    async def _debug_requests(self, request: web.Request) -> web.Response:
        """The request log from ``?since=N`` on, as JSON (secrets already out).

        For tools that run the emulator in another process (the benchmark):
        what the camera received, counted where it arrives.
        """
        try:
            since = max(0, int(request.query.get("since", "0")))
        except ValueError:
            return web.json_response({"error": "since must be a number"}, status=400)
        return web.json_response(
            [
                {"path": r.path, "params": list(r.params), "method": r.method}
                for r in self.requests[since:]
            ]
        )

    async def _debug_state(self, _request: web.Request) -> web.Response:
        """Read-only JSON view for scripts (outside /cgi-bin, no credentials)."""
        profile = self.alarm_out_profile()
        return web.json_response(
            {
                "model": self.state.model,
                "device_name": self.state.device_info.values.get("deviceName"),
                "device_time": self.device.now().isoformat(),
                "alarm_out": asdict(profile),
                "self_clean_profile": self.is_self_clean_profile(),
                "pulses": [
                    {
                        "time_ms": pulse.profile.time_ms,
                        "completed": pulse.completed,
                        "effect": pulse.effect,
                        "profile_changed": pulse.profile_changed,
                        "disturbed": pulse.disturbed,
                        "cut_short": pulse.cut_short,
                        "running": pulse.end is None,
                    }
                    for pulse in self.pulses
                ],
                "cleaning": self.cleaning,
                "motion": self.motion_active,
                "led_normally_disabled": self.led_normally_disabled,
                "led_shutoff": self.led_shutoff,
                "dirt": self.dirt,
                "ports": self.state.ports.values,
                "image_settings": {
                    name: section.values for name, section in self.state.sensor.items()
                },
                "rtsp": None
                if self.rtsp is None
                else {
                    "port": self.rtsp.port,
                    "publishing": self.rtsp.publishing,
                    "players": self.rtsp.players,
                },
                "requests": len(self.requests),
                "onvif_subscriptions": self.onvif_subscriptions,
            }
        )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        pairs = list(request.query.items())
        record = RequestRecord(
            time=self._clock(),
            path=name,
            params=_redact(pairs),
            method=request.method,
            content_type=request.headers.get("Content-Type", ""),
            raw_query=_redact_raw(request.rel_url.raw_query_string),
        )
        self.requests.append(record)
        _LOGGER.debug("request %s %s", name, record.params)
        self._sync_ports()
        self._in_flight += 1
        try:
            return await self._serve(request, name, pairs, record)
        finally:
            self._in_flight -= 1

    async def _handle_onvif(self, request: web.Request) -> web.StreamResponse:
        """SOAP endpoints under /onvif/ (see ``onvif``), logged by operation name.

        The record holds the path and ``("operation", name)`` only: never the
        body, so never a password, nonce or digest.
        """
        body = await request.read()
        call = self.onvif.read(
            request.method,
            request.path,
            request.headers.get("Content-Type", ""),
            body,
            target=request.raw_path,
            authorization=request.headers.get("Authorization", ""),
        )
        record = RequestRecord(
            time=self._clock(),
            path=request.path,
            params=(("operation", call.operation),) if call.operation else (),
            method=request.method,
        )
        self.requests.append(record)
        _LOGGER.debug("request %s %s", request.path, call.operation)
        self._sync_ports()
        self._in_flight += 1
        try:
            return await self._serve_onvif(request, call, record)
        finally:
            self._in_flight -= 1

    async def _serve_onvif(
        self, request: web.Request, call: OnvifCall, record: RequestRecord
    ) -> web.StreamResponse:
        if self.device.is_down():
            record.fault = "restart"
            return self._drop(request)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        name = request.path.rsplit("/", 1)[-1]
        fault = self._take_fault(name, MultiDict(operation=call.operation))
        if fault is not None and fault.kind == "latency":
            record.fault = fault.kind
            if not await self._hold(fault.delay):
                return self._drop(request)
            fault = None
        reply = await self.onvif.answer(call) if fault is None or fault.apply else None
        if self.device.is_down():
            # Rebooted while a pull was held: the connection goes with it.
            record.fault = "restart"
            return self._drop(request)
        if fault is not None:
            record.fault = fault.kind
            return await self._broken(request, record, fault, reply)
        assert reply is not None
        return self._send(record, reply)

    async def _serve(
        self,
        request: web.Request,
        name: str,
        pairs: list[tuple[str, str]],
        record: RequestRecord,
    ) -> web.StreamResponse:
        if self.device.is_down():
            record.fault = "restart"
            return self._drop(request)
        over_limit = (
            self.max_connections is not None and self._in_flight > self.max_connections
        )
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if over_limit:
            return self._send(record, self.device.error_reply(ERR_MAX_CONNECTIONS))
        fault = self._take_fault(name, request.query)
        if fault is not None and fault.kind == "latency":
            record.fault = fault.kind
            if not await self._hold(fault.delay):
                return self._drop(request)
            fault = None
        reply = (
            self.device.handle(name, pairs) if fault is None or fault.apply else None
        )
        if fault is not None:
            record.fault = fault.kind
            return await self._broken(request, record, fault, reply)
        assert reply is not None
        if reply.mjpeg is not None:
            return await self._stream(request, record, reply)
        return self._send(record, reply)

    @staticmethod
    def _send(record: RequestRecord, reply: Reply) -> web.Response:
        record.status = reply.status
        response = web.Response(
            body=reply.body,
            status=reply.status,
            headers={"Content-Type": reply.content_type, **dict(reply.headers)},
        )
        if reply.chunked:
            response.enable_chunked_encoding()
        return response

    async def _hold(self, seconds: float) -> bool:
        """Hold a request ``seconds``; False when the emulator stops meanwhile."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)
        return not self._closing.is_set()

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        """Close the connection without a reply (aiohttp then skips the response)."""
        if request.transport is not None:
            request.transport.close()
        return web.Response()

    async def _broken(
        self,
        request: web.Request,
        record: RequestRecord,
        fault: Fault,
        reply: Reply | None,
    ) -> web.StreamResponse:
        if fault.kind == "error":
            return self._send(record, self.device.error_reply(fault.code))
        if fault.kind == "http_status":
            record.status = int(fault.status)
            phrase = (
                HTTPStatus(fault.status).phrase
                if fault.status in HTTPStatus
                else "Error"
            )
            headers = {"Content-Type": "text/plain"}
            if fault.location is not None:
                headers["Location"] = fault.location.format(
                    path=request.path, query=request.query_string
                )
            return web.Response(
                body=f"{fault.status} {phrase}\n".encode(),
                status=fault.status,
                headers=headers,
            )
        if fault.kind == "garbage":
            record.status = 200
            body = b"\xff\xfe\xc3(" + random.randbytes(60)
            return web.Response(body=body, headers={"Content-Type": "text/plain"})
        if fault.kind == "truncated":
            return await self._truncated(request, record, reply)
        if fault.kind == "trickle":
            return await self._trickle(request, record, reply, fault.delay)
        return self._drop(request)

    def _whole(self, request: web.Request, reply: Reply | None) -> tuple[bytes, str]:
        """The reply's body and type (a still or OK when the fault has none)."""
        if reply is not None and reply.body:
            return reply.body, reply.content_type
        if request.match_info.get("name") == "image.cgi":
            return self.device.jpeg(), "image/jpeg"
        return b"OK\n", "text/plain"

    async def _trickle(
        self,
        request: web.Request,
        record: RequestRecord,
        reply: Reply | None,
        delay: float,
    ) -> web.StreamResponse:
        """The whole reply in four parts, ``delay`` seconds apart (a slow link)."""
        body, content_type = self._whole(request, reply)
        response = web.StreamResponse(headers={"Content-Type": content_type})
        response.content_length = len(body)
        await response.prepare(request)
        record.status = 200
        step = -(-len(body) // 4)
        for start in range(0, len(body), step):
            if start and not await self._hold(delay):
                break
            await response.write(body[start : start + step])
        return response

    async def _truncated(
        self, request: web.Request, record: RequestRecord, reply: Reply | None
    ) -> web.StreamResponse:
        body, content_type = self._whole(request, reply)
        response = web.StreamResponse(headers={"Content-Type": content_type})
        response.content_length = len(body)
        await response.prepare(request)
        await response.write(body[: len(body) // 2])
        record.status = 200
        if request.transport is not None:
            request.transport.close()
        return response

    async def _stream(
        self, request: web.Request, record: RequestRecord, reply: Reply
    ) -> web.StreamResponse:
        stream_id = reply.mjpeg
        assert stream_id is not None
        response = web.StreamResponse(
            headers={
                "Content-Type": reply.content_type,
                "Pragma": "no-cache",
                "Cache-Control": "no-cache",
            }
        )
        await response.prepare(request)
        record.status = 200
        with suppress(ConnectionError):
            while not self._closing.is_set() and not self.device.is_down():
                quality = int(self.state.streams[stream_id].values.get("quality", "5"))
                jpeg = self.device.jpeg(stream_id, quality)
                head = (
                    b"--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                    % (_BOUNDARY, len(jpeg))
                )
                await response.write(head + jpeg + b"\r\n")
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), self.frame_interval)
        return response


async def start_many(
    count: int, base_port: int = 0, **kwargs: Unpack[CameraOptions]
) -> list[EmulatedCamera]:
    """Start ``count`` cameras on distinct ports with distinct MACs.

    ``base_port`` 0 lets each pick a free port, otherwise they use consecutive
    ports from it.  Other keyword arguments go to every ``EmulatedCamera``
    (each gets its own copy of ``quirks`` and ``onvif_quirks``).
    """
    mac = kwargs.get("mac", DEFAULT_MAC)
    quirks = kwargs.get("quirks") or Quirks()
    onvif_quirks = kwargs.get("onvif_quirks") or OnvifQuirks()
    cameras = []
    for index in range(count):
        options: CameraOptions = {
            **kwargs,
            "mac": offset_mac(mac, index),
            "quirks": replace(quirks),
            "onvif_quirks": replace(onvif_quirks),
        }
        port = base_port + index if base_port else 0
        cameras.append(EmulatedCamera(port=port, **options))
    started: list[EmulatedCamera] = []
    try:
        for camera in cameras:
            await camera.start()
            started.append(camera)
    except BaseException:
        for camera in started:
            await camera.stop()
        raise
    return cameras
