"""What one benchmark run measures, shared by the runner and the metric modules."""

from __future__ import annotations

from dataclasses import asdict, dataclass
import json
import os
from pathlib import Path
from typing import Any, Self

ENV_VAR = "EXCELSENSE_BENCH_SETTINGS"
ROOT = Path(__file__).resolve().parent.parent
MS = 1000.0
# The metric modules, in the order they run (each is one pytest file).
MODULES = (
    "polling",
    "requests",
    "snapshots",
    "self_clean",
    "motion",
    "scale",
    "cpu_hour",
    "memory",
    "lens",
)
_SIZES = (
    "refresh_repeats",
    "snapshot_samples",
    "concurrent_rounds",
    "press_repeats",
    "cpu_rounds",
    "motion_cameras",
    "motion_samples",
    "memory_minutes",
    "memory_warmup_minutes",
    "lens_seeds",
)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Sizes of one run; ``quick`` trades precision for a short CI run."""

    quick: bool = False
    latency_ms: float = 50.0
    concurrency: int = 2
    cameras: int = 50
    results: str = ""

    @property
    def latency(self) -> float:
        """Per-request latency of the emulated cameras, in seconds."""
        return self.latency_ms / MS

    @property
    def refresh_repeats(self) -> int:
        """Full coordinator refreshes timed per entity set."""
        return 2 if self.quick else 7

    @property
    def snapshot_samples(self) -> int:
        """Sequential stills fetched per path (direct, ours, generic)."""
        return 10 if self.quick else 40

    @property
    def concurrent_rounds(self) -> int:
        """Rounds of ten concurrent stills."""
        return 1 if self.quick else 3

    @property
    def press_repeats(self) -> int:
        """Self-clean presses timed."""
        return 1 if self.quick else 5

    @property
    def cpu_rounds(self) -> int:
        """Full polls of every camera for the CPU-per-poll figure."""
        return 3 if self.quick else 30

    @property
    def motion_cameras(self) -> int:
        """Cameras whose motion alarms are timed at once."""
        return 5 if self.quick else 10

    @property
    def motion_samples(self) -> int:
        """Motion alarms timed per camera."""
        return 2 if self.quick else 4

    @property
    def memory_minutes(self) -> int:
        """Simulated minutes of the memory run after its reference census."""
        return 10 if self.quick else 60

    @property
    def memory_warmup_minutes(self) -> int:
        """Simulated minutes before the reference (the lens samples fill 45)."""
        return 3 if self.quick else 50

    @property
    def lens_seeds(self) -> int:
        """Random draws (dirt, conditions, sensor noise) per lens photograph."""
        return 1 if self.quick else 3

    def to_env(self) -> str:
        """Serialise for the pytest process."""
        return json.dumps(asdict(self))

    def as_dict(self) -> dict[str, Any]:
        """Every setting, including the derived sizes (for the JSON report)."""
        plain = asdict(self)
        plain.pop("results")
        return {**plain, **{name: getattr(self, name) for name in _SIZES}}

    @classmethod
    def from_env(cls) -> Self:
        """The settings the runner passed (defaults when run by hand)."""
        raw = os.environ.get(ENV_VAR)
        return cls(**json.loads(raw)) if raw else cls()
