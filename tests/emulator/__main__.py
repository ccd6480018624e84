"""Command line: run emulated cameras until SIGINT/SIGTERM.

Usage::

    python -m tests.emulator --port 8080 --username admin --password admin
        --model ToughEye-1700 [--host 127.0.0.1] [--latency-ms N] [--count N]
        [--max-connections N] [--rtsp]

One line per camera is printed (and flushed) once it listens.  ``--rtsp`` also
serves each camera's live stream over RTSP (needs ffmpeg; see ``rtsp``).

Make a running camera see motion (an alarm-log entry, and the self-clean
linkage if it is set)::

    python -m tests.emulator motion [--host 127.0.0.1] [--port 8080] [--seconds 10]
    python -m tests.emulator motion --stop

Motion also reaches ONVIF pull points (/onvif/device_service, event service at
/onvif/event_service).  Raise or clear the camera's other ONVIF topic,
tns1:VideoSource/ImageTooBlurry/ImagingService::

    python -m tests.emulator blurry [--host 127.0.0.1] [--port 8080] [--clear]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import urllib.request

from .device import MODELS
from .rtsp import ffmpeg_available
from .server import start_many


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8080,
        help="first port; 0 picks free ports (default 8080)",
    )
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--model", default="ToughEye-1700", choices=sorted(MODELS))
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay added to every request"
    )
    parser.add_argument(
        "--count", type=int, default=1, help="number of cameras on consecutive ports"
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=None,
        help="concurrent requests before -511",
    )
    parser.add_argument(
        "--rtsp",
        action="store_true",
        help="also serve a live H.264 stream over RTSP on a free port (needs ffmpeg)",
    )
    return parser


async def _run(args: argparse.Namespace) -> int:
    if args.rtsp and not ffmpeg_available():
        sys.stderr.write(
            "--rtsp needs ffmpeg on PATH (Debian: apt-get install ffmpeg)\n"
        )
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    cameras = await start_many(
        count=args.count,
        base_port=args.port,
        host=args.host,
        username=args.username,
        password=args.password,
        model=args.model,
        latency=args.latency_ms / 1000,
        max_connections=args.max_connections,
        rtsp=args.rtsp,
    )
    try:
        for camera in cameras:
            rtsp = f", RTSP {camera.rtsp.url()}" if camera.rtsp is not None else ""
            sys.stdout.write(
                f"ExcelSense emulator {args.model} listening on {camera.url}"
                f" (user {args.username}{rtsp})\n"
            )
        sys.stdout.flush()
        await stop.wait()
    finally:
        for camera in cameras:
            await camera.stop()
    return 0


def _motion_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator motion",
        description="Make a running emulated camera see motion.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="how long the motion lasts; 0 until --stop (default 10)",
    )
    parser.add_argument("--stop", action="store_true", help="end the motion now")
    return parser


def motion(argv: list[str]) -> int:
    """Send the motion control to a running camera; print what it answered."""
    args = _motion_parser().parse_args(argv)
    query = "stop=1" if args.stop else f"seconds={args.seconds:g}"
    url = f"http://{args.host}:{args.port}/emulator/motion?{query}"
    request = urllib.request.Request(url, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer = json.load(response)
    sys.stdout.write(f"{json.dumps(answer)}\n")
    return 0 if args.stop or answer.get("motion") else 1


def _blurry_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.emulator blurry",
        description="Raise (or clear) the ONVIF ImageTooBlurry event of a camera.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--clear", action="store_true", help="the image is sharp again")
    return parser


def blurry(argv: list[str]) -> int:
    """Send the ImageTooBlurry control to a running camera; print what it answered."""
    args = _blurry_parser().parse_args(argv)
    state = "0" if args.clear else "1"
    url = f"http://{args.host}:{args.port}/emulator/blurry?state={state}"
    request = urllib.request.Request(url, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer = json.load(response)
    sys.stdout.write(f"{json.dumps(answer)}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, serve until a signal arrives, return the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["motion"]:
        return motion(argv[1:])
    if argv[:1] == ["blurry"]:
        return blurry(argv[1:])
    args = _parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(_run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
