"""Command line of the benchmark: ``python -m bench`` (``scripts/bench`` runs it).

Runs the metric modules (``settings.MODULES``) with pytest in a child
process, then prints one table row per metric and writes the JSON report.
Exit status: 0 when every target is met (always with ``--quick``, which
enforces none), 1 when a target is missed, 2 when the benchmark itself
failed.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
import json
import os
from pathlib import Path
import platform
import subprocess
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any

from .results import Metric, load
from .settings import ENV_VAR, MODULES, ROOT, Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

QUICK_CAMERAS = 5
EXIT_MISSED = 1
EXIT_CRASHED = 2
FULL_TIMEOUT_S = 900
QUICK_TIMEOUT_S = 180


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=(
            "Measure the ExcelSense integration in Home Assistant against an "
            "emulated camera and compare each figure with its target."
        ),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            "small sizes (5 cameras, few iterations) for CI; targets are "
            "reported but not enforced"
        ),
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=50.0,
        help="latency the emulated camera adds to every request (default 50)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=2,
        help=(
            "concurrent requests the emulated camera serves before it answers "
            "-511 (default 2, the client's own bound)"
        ),
    )
    parser.add_argument(
        "--cameras",
        type=int,
        default=None,
        help=(
            "cameras of the scale, CPU-per-hour and memory runs "
            "(default 50, 5 with --quick)"
        ),
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "artifacts" / "bench.json",
        help="where to write the JSON report (default artifacts/bench.json)",
    )
    return parser


def _run_modules(settings: Settings, timeout: int) -> int:
    """Run every metric module (one pytest file each) with pytest."""
    env = {**os.environ, ENV_VAR: settings.to_env()}
    command = [
        sys.executable,
        "-m",
        "pytest",
        *(str(ROOT / "bench" / f"{module}.py") for module in MODULES),
        "-p",
        "no:sugar",
        "-q",
        "-s",
        "--no-header",
        f"--timeout={timeout}",
    ]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603


def _format_value(metric: Metric) -> str:
    if metric.value is None:
        return "n/a"
    return f"{metric.value:g}"


def _format_limit(metric: Metric) -> str:
    if metric.limit is None:
        return "-"
    return f"{metric.op} {metric.limit:g}"


def _verdict(metric: Metric, *, enforced: bool) -> str:
    if metric.passed is None:
        return "info"
    if metric.passed:
        return "ok"
    return "MISSED" if enforced else "missed (not enforced)"


def _table(metrics: Sequence[Metric], *, enforced: bool) -> str:
    rows = [("Metric", "Value", "Limit", "Result")]
    rows.extend(
        (
            metric.name,
            _format_value(metric),
            _format_limit(metric),
            _verdict(metric, enforced=enforced),
        )
        for metric in metrics
    )
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def _environment() -> dict[str, Any]:
    try:
        home_assistant = version("homeassistant")
    except PackageNotFoundError:  # pragma: no cover - the venv always has it
        home_assistant = "unknown"
    return {
        "python": platform.python_version(),
        "home_assistant": home_assistant,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the process exit status."""
    args = _parser().parse_args(argv)
    cameras = args.cameras or (QUICK_CAMERAS if args.quick else 50)
    if cameras < 2:  # noqa: PLR2004 - memory per camera needs a second one
        _parser().error("--cameras must be at least 2")
    if args.concurrency < 1 or args.latency_ms < 0:
        _parser().error("--concurrency must be at least 1, --latency-ms not negative")
    with tempfile.TemporaryDirectory(prefix="excelsense-bench-") as folder:
        results = Path(folder) / "results.jsonl"
        settings = Settings(
            quick=args.quick,
            latency_ms=args.latency_ms,
            concurrency=args.concurrency,
            cameras=cameras,
            results=str(results),
        )
        started = time.perf_counter()
        status = _run_modules(
            settings, QUICK_TIMEOUT_S if args.quick else FULL_TIMEOUT_S
        )
        elapsed = time.perf_counter() - started
        metrics, others = load(results)

    enforced = not args.quick
    missed = [m for m in metrics if m.passed is False]
    crashed = status != 0 or not metrics
    report = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "enforced": enforced,
        "settings": settings.as_dict(),
        "environment": _environment(),
        "duration_s": round(elapsed, 1),
        "scenarios": others,
        "crashed": crashed,
        "passed": not crashed and not missed,
        "metrics": [m.as_dict() for m in metrics],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    out = sys.stdout
    out.write("\n" + _table(metrics, enforced=enforced) + "\n\n")
    out.write(
        f"{report['mode']} run, latency {settings.latency_ms:g} ms, concurrency "
        f"{settings.concurrency}, {cameras} cameras: {elapsed:.0f} s; "
        f"JSON report: {args.json}\n"
    )
    if crashed:
        out.write("The benchmark itself failed (see the pytest output above).\n")
        return EXIT_CRASHED
    if missed and enforced:
        out.write(f"{len(missed)} target(s) missed.\n")
        return EXIT_MISSED
    return 0


if __name__ == "__main__":
    sys.exit(main())
