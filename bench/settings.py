"""What one benchmark run measures, shared by the runner and the scenarios."""

from __future__ import annotations

from dataclasses import asdict, dataclass
import json
import os
from pathlib import Path
from typing import Any, Self

ENV_VAR = "EXCELSENSE_BENCH_SETTINGS"
ROOT = Path(__file__).resolve().parent.parent
MS = 1000.0


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
        """Coordinator refreshes timed per entity set."""
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
        """Poll rounds (30 s of simulated time each) for the CPU figure."""
        return 3 if self.quick else 30

    @property
    def memory_rounds(self) -> int:
        """Poll rounds of the memory run (120 = one simulated hour)."""
        return 20 if self.quick else 120

    @property
    def memory_warmup_rounds(self) -> int:
        """Rounds before the memory run's reference sample."""
        return 5 if self.quick else 20

    @property
    def lens_seeds(self) -> int:
        """Random draws (noise, drops, smear, nuisance) per lens photograph."""
        return 1 if self.quick else 3

    def to_env(self) -> str:
        """Serialise for the pytest process."""
        return json.dumps(asdict(self))

    def as_dict(self) -> dict[str, Any]:
        """Every setting, including the derived sizes (for the JSON report)."""
        sizes = {
            name: getattr(self, name)
            for name in (
                "refresh_repeats",
                "snapshot_samples",
                "concurrent_rounds",
                "press_repeats",
                "cpu_rounds",
                "memory_rounds",
                "memory_warmup_rounds",
                "lens_seeds",
            )
        }
        plain = asdict(self)
        plain.pop("results")
        return {**plain, **sizes}

    @classmethod
    def from_env(cls) -> Self:
        """The settings the runner passed (defaults when run by hand)."""
        raw = os.environ.get(ENV_VAR)
        return cls(**json.loads(raw)) if raw else cls()
