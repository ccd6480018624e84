"""RTSP side of the emulator: a live H.264 test pattern, served like the camera's.

For each stream (``/snl/live/<camera>/<stream>``, the paths video.cgi reports)
an ffmpeg renders the picture (``testsrc2`` with the device name, clock and
status drawn on it) at that stream's own size, and publishes it to this server
(RTSP ANNOUNCE/RECORD, RTP interleaved in TCP); the server relays the RTP
packets to the stream's players (DESCRIBE/SETUP/PLAY over TCP interleaved or
UDP). Stream 1 runs from the start, the others from their first player; a
stream whose resolution changed restarts at the new size for its next player.
ffmpeg cannot serve players itself (its RTSP ``listen`` mode only receives) and
Debian packages no RTSP server, hence this small relay. Players sign in with
HTTP Basic (a device account), so a client that mangles credentials in the URL
fails as it would on the camera.

Usage::

    server = RtspServer(
        authenticate=check,
        overlay=lambda stream: ("name", "clock"),
        size=lambda stream: (640, 360),
    )
    await server.start()  # listens at once; ffmpeg publishes ~1 s later
    ...
    await server.stop()  # stops ffmpeg too

Needs the ``ffmpeg`` executable with libx264 (``ffmpeg_available()``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import logging
from pathlib import Path
import re
import secrets
import shutil
import tempfile
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence

_LOGGER = logging.getLogger(__name__)

LIVE_PATH_PREFIX: Final = "/snl/live/"
_SERVER: Final = "ExcelSense emulator RTSP"
_PUBLIC: Final = "OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER"
_SDP_WAIT: Final = 10.0
# A player that falls this far behind is dropped rather than buffered forever.
_MAX_BUFFERED: Final = 4 * 1024 * 1024
_MAX_HEAD: Final = 16 * 1024
_FONT_CANDIDATES: Final = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
# Characters drawtext would expand or that could not come from the device.
_OVERLAY_UNSAFE: Final = re.compile(r"[%\\\x00-\x09\x0b-\x1f]")
_NAL_IDR: Final = 5
_NAL_SPS: Final = 7
_NAL_STAP_A: Final = 24
_NAL_FU_A: Final = 28
_KEY_NALS: Final = frozenset({_NAL_IDR, _NAL_SPS})


def ffmpeg_available() -> bool:
    """True when an ``ffmpeg`` executable is on PATH."""
    return shutil.which("ffmpeg") is not None


def find_font() -> str | None:
    """A TrueType font for the overlay, or None (the picture then has no text)."""
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return None


def starts_keyframe(packet: bytes) -> bool:
    """True when an H.264 RTP packet (RFC 6184) carries the start of a keyframe."""
    if len(packet) < 13:
        return False
    offset = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10 and len(packet) >= offset + 4:
        offset += 4 + 4 * int.from_bytes(packet[offset + 2 : offset + 4])
    nal = packet[offset:]
    if not nal:
        return False
    kind = nal[0] & 0x1F
    if kind == _NAL_STAP_A:
        return len(nal) > 3 and nal[3] & 0x1F in _KEY_NALS
    if kind == _NAL_FU_A:
        return len(nal) > 1 and bool(nal[1] & 0x80) and nal[1] & 0x1F in _KEY_NALS
    return kind in _KEY_NALS


class _Request:
    """One parsed RTSP request."""

    def __init__(self, head: bytes, body: bytes = b"") -> None:
        lines = head.decode("utf-8", "replace").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            msg = f"bad request line {lines[0]!r}"
            raise ValueError(msg)
        self.method, self.url, _ = parts
        self.path = urlsplit(self.url).path
        self.headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                self.headers[name.strip().lower()] = value.strip()
        self.body = body

    @property
    def cseq(self) -> str:
        return self.headers.get("cseq", "0")

    @property
    def track(self) -> int:
        """Track index from a SETUP URL ending in ``streamid=N`` (else 0)."""
        match = re.search(r"streamid=(\d+)$", self.url)
        return int(match.group(1)) if match else 0


class _UdpSender(asyncio.DatagramProtocol):
    """A server-side RTP or RTCP socket of a UDP player (it only sends)."""


class _Connection:
    """One RTSP connection: the publishing ffmpeg or a player."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.session = secrets.token_hex(8)
        self.publisher = False
        self.playing = False
        # The feed (stream) this connection publishes or plays.
        self.feed: _Feed | None = None
        # track -> interleaved RTP channel (TCP players and the publisher)
        self.channels: dict[int, int] = {}
        # track -> (rtp socket, rtcp socket, client rtp address, client rtcp address)
        self.udp: dict[
            int,
            tuple[
                asyncio.DatagramTransport,
                asyncio.DatagramTransport,
                tuple[str, int],
                tuple[str, int],
            ],
        ] = {}
        self.waiting_keyframe = True

    @property
    def peer_host(self) -> str:
        peer = self.writer.get_extra_info("peername")
        return str(peer[0]) if peer else "127.0.0.1"

    def send(self, track: int, rtcp: bool, payload: bytes) -> bool:
        """Send one RTP/RTCP packet; False when the player is too far behind."""
        if track in self.channels:
            if self.writer.transport.get_write_buffer_size() > _MAX_BUFFERED:
                return False
            channel = self.channels[track] + (1 if rtcp else 0)
            self.writer.write(
                b"$" + bytes((channel,)) + len(payload).to_bytes(2) + payload
            )
        elif track in self.udp:
            rtp, rtcp_socket, rtp_address, rtcp_address = self.udp[track]
            if rtcp:
                rtcp_socket.sendto(payload, rtcp_address)
            else:
                rtp.sendto(payload, rtp_address)
        return True

    def close(self) -> None:
        for rtp, rtcp, _, _ in self.udp.values():
            rtp.close()
            rtcp.close()
        self.udp.clear()
        self.writer.close()


class _Feed:
    """One stream: its ffmpeg, the publisher connection and its SDP."""

    def __init__(self, stream: int, size: tuple[int, int]) -> None:
        self.stream = stream
        self.size = size
        self.path = f"/publish/{secrets.token_hex(8)}/{stream}"
        self.publisher: _Connection | None = None
        self.sdp: str | None = None
        self.pending_sdp: str | None = None
        self.ready = asyncio.Event()
        self.last_marker = True
        self.process: asyncio.subprocess.Process | None = None
        self.task: asyncio.Task[None] | None = None
        self.stderr: collections.deque[str] = collections.deque(maxlen=20)


def stream_of(path: str) -> int | None:
    """The stream id of a player path ``/snl/live/<camera>/<stream>[/...]``."""
    parts = path[len(LIVE_PATH_PREFIX) :].split("/")
    if not path.startswith(LIVE_PATH_PREFIX) or len(parts) < 2:
        return None
    return int(parts[1]) if parts[1].isdigit() else None


class RtspServer:
    """RTSP server of one emulated camera, fed by ffmpeg test patterns."""

    def __init__(
        self,
        *,
        authenticate: Callable[[str, str], bool],
        overlay: Callable[[int], Sequence[str]],
        size: Callable[[int], tuple[int, int]],
        streams: Callable[[], Collection[int]] = lambda: (1,),
        host: str = "127.0.0.1",
        port: int = 0,
        fps: int = 10,
    ) -> None:
        """Prepare the server; ``start()`` listens and starts stream 1.

        ``authenticate(user, password)`` checks a player's Basic credentials;
        ``overlay(stream)`` gives the text lines drawn on a stream's picture
        (read a few times a second); ``size(stream)`` its picture size, from
        the stream's settings; ``streams()`` the stream ids that exist.
        """
        self._authenticate = authenticate
        self._overlay = overlay
        self._size_of = size
        self._streams = streams
        self._host = host
        self._port = port
        self._fps = fps
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self._feeds: dict[int, _Feed] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._workdir: Path | None = None
        self.restarts = 0

    @property
    def port(self) -> int:
        """The port players connect to (the real one once started)."""
        return self._port

    @property
    def publishing(self) -> bool:
        """True while ffmpeg delivers stream 1's picture."""
        feed = self._feeds.get(1)
        return feed is not None and feed.sdp is not None

    def size(self, stream: int) -> tuple[int, int] | None:
        """The picture size a running stream is published at."""
        feed = self._feeds.get(stream)
        return None if feed is None else feed.size

    @property
    def players(self) -> int:
        """Players currently receiving the stream."""
        return sum(1 for conn in self._connections if conn.playing)

    def url(self, path: str = "/snl/live/1/1") -> str:
        """A player URL, e.g. ``rtsp://127.0.0.1:8554/snl/live/1/1``."""
        return f"rtsp://{self._host}:{self._port}{path}"

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Listen, then start ffmpeg (restarted whenever it exits)."""
        if self._server is not None:
            msg = "RTSP server already started"
            raise RuntimeError(msg)
        self._server = await asyncio.start_server(
            self._serve, self._host, self._port, limit=_MAX_HEAD
        )
        self._port = int(self._server.sockets[0].getsockname()[1])
        self._workdir = Path(tempfile.mkdtemp(prefix="excelsense-rtsp-"))
        self._tasks = [asyncio.create_task(self._keep_overlay())]
        self._feed(1)
        _LOGGER.debug("RTSP server listening on %s", self.url())

    async def stop(self) -> None:
        """Stop ffmpeg, drop every connection and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        for task in self._tasks:
            task.cancel()
        for feed in list(self._feeds.values()):
            await self._stop_feed(feed)
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        server.close()
        for conn in list(self._connections):
            conn.close()
        self._connections.clear()
        await server.wait_closed()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    # ----------------------------------------------------------------- ffmpeg

    def _feed(self, stream: int) -> _Feed:
        """The running feed of a stream, (re)started at its current size."""
        size = self._size_of(stream)
        feed = self._feeds.get(stream)
        if feed is not None and feed.size == size:
            return feed
        if feed is not None:
            # The stream's resolution changed: new players get the new size.
            self._tasks.append(asyncio.create_task(self._stop_feed(feed)))
        feed = _Feed(stream, size)
        self._feeds[stream] = feed
        self._write_overlay(stream)
        feed.task = asyncio.create_task(self._keep_publishing(feed))
        return feed

    def _ffmpeg_command(self, feed: _Feed) -> list[str]:
        width, height = feed.size
        filters = []
        font = find_font()
        if font is not None and self._workdir is not None:
            # reload=1 rereads the file every frame: the name, clock and status
            # follow the device (the file is replaced atomically).
            overlay = self._workdir / f"overlay-{feed.stream}.txt"
            filters.append(
                f"drawtext=fontfile={font}:textfile={overlay}"
                ":reload=1:fontsize=22:fontcolor=white:line_spacing=6"
                ":box=1:boxcolor=black@0.55:boxborderw=8:x=16:y=h-th-16"
            )
        command = [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={width}x{height}:rate={self._fps}",
        ]
        if filters:
            command += ["-vf", ",".join(filters)]
        return [
            *command,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            # One slice per frame, so a packet that starts an IDR starts the frame.
            "-threads",
            "1",
            # A keyframe every second: players start (and HLS segments cut) fast.
            "-g",
            str(self._fps),
            "-pix_fmt",
            "yuv420p",
            "-f",
            "rtsp",
            "-rtsp_transport",
            "tcp",
            f"rtsp://127.0.0.1:{self._port}{feed.path}",
        ]

    async def _keep_publishing(self, feed: _Feed) -> None:
        loop = asyncio.get_running_loop()
        delay = 0.5
        while True:
            started = loop.time()
            feed.process = await asyncio.create_subprocess_exec(
                *self._ffmpeg_command(feed),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            assert feed.process.stderr is not None
            async for line in feed.process.stderr:
                feed.stderr.append(line.decode("utf-8", "replace").rstrip())
            code = await feed.process.wait()
            _LOGGER.warning(
                "ffmpeg publishing the RTSP test pattern exited (%s): %s",
                code,
                " | ".join(feed.stderr) or "no output",
            )
            self.restarts += 1
            delay = 0.5 if loop.time() - started > 30 else min(delay * 2, 10.0)
            await asyncio.sleep(delay)

    async def _stop_feed(self, feed: _Feed) -> None:
        if self._feeds.get(feed.stream) is feed:
            del self._feeds[feed.stream]
        if feed.task is not None:
            feed.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed.task
        if feed.publisher is not None:
            self._drop(feed.publisher)
        process, feed.process = feed.process, None
        if process is None or process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 3)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    def _write_overlay(self, stream: int) -> bool:
        """Write a stream's overlay text if it changed; True when it did."""
        assert self._workdir is not None
        lines = self._overlay(stream)
        text = "\n".join(_OVERLAY_UNSAFE.sub("", line) for line in lines)
        target = self._workdir / f"overlay-{stream}.txt"
        with contextlib.suppress(OSError):
            if target.read_text(encoding="utf-8") == text:
                return False
        scratch = self._workdir / f"overlay-{stream}.tmp"
        scratch.write_text(text, encoding="utf-8")
        # Atomic: ffmpeg never reads a half-written file.
        scratch.replace(target)
        return True

    async def _keep_overlay(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            try:
                for stream in list(self._feeds):
                    self._write_overlay(stream)
            except OSError:
                _LOGGER.exception("cannot write the RTSP overlay text")

    # ----------------------------------------------------------------- relay

    def _relay(self, feed: _Feed, channel: int, payload: bytes) -> None:
        publisher = feed.publisher
        assert publisher is not None
        track = next(
            (
                track
                for track, first in publisher.channels.items()
                if channel in (first, first + 1)
            ),
            None,
        )
        if track is None:
            return
        rtcp = channel != publisher.channels[track]
        frame_start = not rtcp and feed.last_marker
        if not rtcp:
            feed.last_marker = len(payload) > 1 and bool(payload[1] & 0x80)
        for conn in list(self._connections):
            if not conn.playing or conn.publisher or conn.feed is not feed:
                continue
            if conn.waiting_keyframe:
                # Start every player on a keyframe, so it decodes from its first packet.
                if rtcp or not (frame_start and starts_keyframe(payload)):
                    continue
                conn.waiting_keyframe = False
            if not conn.send(track, rtcp, payload):
                _LOGGER.warning("RTSP player %s too slow, dropped", conn.peer_host)
                self._drop(conn)

    def _drop(self, conn: _Connection) -> None:
        self._connections.discard(conn)
        conn.close()
        feed = conn.feed
        if conn.publisher and feed is not None and feed.publisher is conn:
            feed.publisher = None
            feed.sdp = None
            feed.ready.clear()
            # Players would wait for packets that never come: let them reconnect.
            for other in list(self._connections):
                if other.playing and other.feed is feed:
                    self._connections.discard(other)
                    other.close()

    # ----------------------------------------------------------------- protocol

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        conn = _Connection(writer)
        self._connections.add(conn)
        try:
            while True:
                first = await reader.readexactly(1)
                if first == b"$":
                    header = await reader.readexactly(3)
                    payload = await reader.readexactly(int.from_bytes(header[1:3]))
                    feed = conn.feed
                    if feed is not None and conn is feed.publisher:
                        self._relay(feed, header[0], payload)
                    continue
                head = first + await reader.readuntil(b"\r\n\r\n")
                request = _Request(head[:-4])
                length = int(request.headers.get("content-length", "0"))
                request.body = await reader.readexactly(length) if length else b""
                writer.write(await self._answer(conn, request))
                if request.method == "TEARDOWN":
                    await writer.drain()
                    break
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
            ValueError,
        ):
            pass
        finally:
            self._drop(conn)

    async def _answer(self, conn: _Connection, request: _Request) -> bytes:
        handler = {
            "OPTIONS": self._options,
            "ANNOUNCE": self._announce,
            "RECORD": self._record,
            "DESCRIBE": self._describe,
            "SETUP": self._setup,
            "PLAY": self._play,
            "PAUSE": self._pause,
            "TEARDOWN": self._teardown,
            "GET_PARAMETER": self._options,
            "SET_PARAMETER": self._options,
        }.get(request.method)
        if handler is None:
            return _response(request, 501, "Not Implemented")
        return await handler(conn, request)

    def _authorized(self, request: _Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, sep, password = decoded.partition(":")
        return bool(sep) and self._authenticate(user, password)

    def _player_check(self, request: _Request) -> bytes | None:
        """An error response for a player request that may not go on."""
        stream = stream_of(request.path)
        if stream is None or stream not in self._streams():
            return _response(request, 404, "Not Found")
        if not self._authorized(request):
            return _response(
                request,
                401,
                "Unauthorized",
                {"WWW-Authenticate": 'Basic realm="ExcelSense"'},
            )
        return None

    async def _options(self, conn: _Connection, request: _Request) -> bytes:
        return _response(request, 200, "OK", {"Public": _PUBLIC})

    async def _announce(self, conn: _Connection, request: _Request) -> bytes:
        feed = next((f for f in self._feeds.values() if f.path == request.path), None)
        if feed is None or feed.publisher is not None:
            return _response(request, 403, "Forbidden")
        conn.publisher = True
        conn.feed = feed
        feed.publisher = conn
        feed.pending_sdp = request.body.decode("utf-8", "replace")
        return _response(request, 200, "OK")

    async def _record(self, conn: _Connection, request: _Request) -> bytes:
        feed = conn.feed
        if not conn.publisher or feed is None or feed.publisher is not conn:
            return _response(request, 455, "Method Not Valid in This State")
        feed.sdp = feed.pending_sdp
        feed.last_marker = True
        feed.ready.set()
        return _response(request, 200, "OK", {"Session": conn.session})

    async def _describe(self, conn: _Connection, request: _Request) -> bytes:
        if (error := self._player_check(request)) is not None:
            return error
        stream = stream_of(request.path)
        assert stream is not None
        feed = conn.feed = self._feed(stream)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(feed.ready.wait(), _SDP_WAIT)
        if feed.sdp is None:
            return _response(request, 503, "Service Unavailable")
        body = _player_sdp(feed.sdp, self._host).encode()
        base = request.url.rstrip("/") + "/"
        return _response(
            request,
            200,
            "OK",
            {"Content-Base": base, "Content-Type": "application/sdp"},
            body,
        )

    async def _setup(self, conn: _Connection, request: _Request) -> bytes:
        transport = request.headers.get("transport", "")
        if conn.publisher:
            match = re.search(r"interleaved=(\d+)", transport)
            if match is None:
                return _response(request, 461, "Unsupported Transport")
            conn.channels[request.track] = int(match.group(1))
            return _response(
                request,
                200,
                "OK",
                {"Transport": transport, "Session": conn.session},
            )
        if (error := self._player_check(request)) is not None:
            return error
        if conn.feed is None:
            conn.feed = self._feeds.get(stream_of(request.path) or 0)
        interleaved = re.search(r"interleaved=(\d+)", transport)
        client_ports = re.search(r"client_port=(\d+)-(\d+)", transport)
        if "TCP" in transport.upper() and interleaved is not None:
            channel = int(interleaved.group(1))
            conn.channels[request.track] = channel
            reply = f"RTP/AVP/TCP;unicast;interleaved={channel}-{channel + 1}"
        elif client_ports is not None and "multicast" not in transport:
            server_ports = await self._open_udp(
                conn,
                request.track,
                int(client_ports.group(1)),
                int(client_ports.group(2)),
            )
            reply = (
                f"RTP/AVP;unicast;client_port={client_ports.group(1)}-{client_ports.group(2)}"
                f";server_port={server_ports[0]}-{server_ports[1]}"
            )
        else:
            return _response(request, 461, "Unsupported Transport")
        return _response(
            request,
            200,
            "OK",
            {"Transport": reply, "Session": f"{conn.session};timeout=60"},
        )

    async def _open_udp(
        self, conn: _Connection, track: int, rtp_port: int, rtcp_port: int
    ) -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        sockets = []
        for _ in range(2):
            transport, _protocol = await loop.create_datagram_endpoint(
                _UdpSender, local_addr=(self._host, 0)
            )
            sockets.append(transport)
        peer = conn.peer_host
        conn.udp[track] = (sockets[0], sockets[1], (peer, rtp_port), (peer, rtcp_port))
        rtp_server, rtcp_server = (
            int(sock.get_extra_info("sockname")[1]) for sock in sockets
        )
        return rtp_server, rtcp_server

    async def _play(self, conn: _Connection, request: _Request) -> bytes:
        if (error := self._player_check(request)) is not None:
            return error
        if not conn.channels and not conn.udp:
            return _response(request, 455, "Method Not Valid in This State")
        conn.playing = True
        conn.waiting_keyframe = True
        return _response(
            request, 200, "OK", {"Session": conn.session, "Range": "npt=0.000-"}
        )

    async def _pause(self, conn: _Connection, request: _Request) -> bytes:
        conn.playing = False
        return _response(request, 200, "OK", {"Session": conn.session})

    async def _teardown(self, conn: _Connection, request: _Request) -> bytes:
        conn.playing = False
        return _response(request, 200, "OK", {"Session": conn.session})


def _player_sdp(sdp: str, host: str) -> str:
    """The publisher's SDP as players should see it (our address, one session)."""
    lines = []
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if not line:
            continue
        if line.startswith("o="):
            line = f"o=- 0 0 IN IP4 {host}"  # noqa: PLW2901
        elif line.startswith("s="):
            line = "s=ExcelSense live"  # noqa: PLW2901
        elif line.startswith("c="):
            line = "c=IN IP4 0.0.0.0"  # noqa: PLW2901
        lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def _response(
    request: _Request,
    status: int,
    reason: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> bytes:
    head = [
        f"RTSP/1.0 {status} {reason}",
        f"CSeq: {request.cseq}",
        f"Server: {_SERVER}",
    ]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


__all__ = [
    "LIVE_PATH_PREFIX",
    "RtspServer",
    "ffmpeg_available",
    "find_font",
    "starts_keyframe",
]
