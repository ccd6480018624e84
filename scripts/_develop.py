"""The command line of scripts/develop, on the library in ``_hass_common``.

Runs on the Python of ``.venv-develop``::

    python scripts/_develop.py free-port [--check N]
    python scripts/_develop.py write-config --config DIR --port N [--fresh]
    python scripts/_develop.py wait --url URL [--pid PID]
    python scripts/_develop.py demo --url URL --camera-port N --camera-password PW

``free-port`` prints a free loopback port, or with ``--check N`` exits 1 when
N is taken; ``write-config`` creates the config directory; ``wait`` waits
until Home Assistant answers (failing if process PID ends); ``demo`` onboards
it with the demo user (or logs in when that was done before) and adds the
emulated camera unless it is there.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import sys

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hass_common import (
    CAMERA_HOST,
    CAMERA_USERNAME,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    HassClient,
    HassError,
    free_port,
    port_free,
    process_alive,
    write_config,
)


async def wait(args: argparse.Namespace) -> int:
    """Wait until Home Assistant answers."""
    async with aiohttp.ClientSession() as session:
        took = await HassClient(session, args.url).wait_until_up(
            args.timeout, process_alive(args.pid) if args.pid else None
        )
    print(f"Home Assistant answered after {took:.0f} s")
    return 0


async def demo(args: argparse.Namespace) -> int:
    """Onboard (or log in) and add the emulated camera unless it is there."""
    async with aiohttp.ClientSession() as session:
        hass = HassClient(session, args.url)
        await hass.wait_until_up(args.timeout)
        await hass.onboard(
            name=DEMO_NAME, username=DEMO_USERNAME, password=DEMO_PASSWORD
        )
        entries = await hass.camera_entries()
        if entries:
            entry = entries[0]
            print(f"The camera is there from before: {entry['title']}")
        else:
            entry = await hass.add_camera(
                host=CAMERA_HOST,
                port=args.camera_port,
                username=CAMERA_USERNAME,
                password=args.camera_password,
            )
            print(f"Added the emulated camera: {entry['title']}")
        entry = await hass.wait_for_entry(entry["entry_id"], args.timeout)
        entities = await hass.entities(entry["entry_id"])
        enabled = sum(1 for item in entities.values() if not item["disabled_by"])
        print(f"  {len(entities)} entities ({enabled} enabled)")
    return 0


def parser() -> argparse.ArgumentParser:
    """The commands and their options."""
    main_parser = argparse.ArgumentParser(prog="scripts/_develop.py")
    commands = main_parser.add_subparsers(dest="command", required=True)
    port_parser = commands.add_parser(
        "free-port", help="print a free loopback TCP port, or check that N is free"
    )
    port_parser.add_argument("--check", type=int, metavar="N")
    config = commands.add_parser("write-config", help="create the config directory")
    config.add_argument("--config", type=Path, required=True)
    config.add_argument("--port", type=int, required=True)
    config.add_argument("--fresh", action="store_true", help="start from nothing")
    wait_parser = commands.add_parser("wait", help="wait until hass answers")
    wait_parser.add_argument("--url", required=True)
    wait_parser.add_argument("--pid", type=int, default=0)
    wait_parser.add_argument("--timeout", type=float, default=300)
    demo_parser = commands.add_parser("demo", help="onboard and add the camera")
    demo_parser.add_argument("--url", required=True)
    demo_parser.add_argument("--camera-port", type=int, required=True)
    demo_parser.add_argument("--camera-password", required=True)
    demo_parser.add_argument("--timeout", type=float, default=180)
    return main_parser


def main() -> int:
    """Run one command (see the module docstring)."""
    args = parser().parse_args()
    if args.command == "free-port":
        if args.check is None:
            print(free_port())
            return 0
        return 0 if port_free(args.check) else 1
    if args.command == "write-config":
        write_config(args.config, port=args.port, fresh=args.fresh)
        return 0
    try:
        return asyncio.run(wait(args) if args.command == "wait" else demo(args))
    except (HassError, aiohttp.ClientError, TimeoutError) as err:
        print(f"scripts/develop: {args.command} failed: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
