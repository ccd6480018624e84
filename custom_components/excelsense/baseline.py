"""A lens's clean reference for one kind of scene: how it was learned, stored.

``lens_tracking.ClarityTracker`` keeps one per scene (day, night) and decides
when each is learned; this module only says what one is. No Home Assistant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .clarity import Measurement


class BaselineKind(StrEnum):
    """How a baseline was learned."""

    PROVISIONAL = "provisional"
    VERIFIED = "verified"


class Learned(StrEnum):
    """Why the baseline is what it is."""

    FIRST = "first"  # the first sample of its scene
    CLEARER = "clearer"  # a steady picture that showed more than the old baseline
    VIEW_CHANGED = "view_changed"  # the camera moved or the scene changed
    SCENE = "scene"  # a wipe changed nothing the scene did not explain (fog)
    CLEANED = "cleaned"  # the picture after a clean that helped
    RELEARNED = "relearned"  # taken as the reference on request
    RESIZED = "resized"  # the camera's pictures came at another size


@dataclass(frozen=True)
class Baseline:
    """The clean lens for one kind of scene."""

    measurement: Measurement
    kind: BaselineKind
    learned: Learned = Learned.FIRST

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for storage)."""
        return {
            "kind": str(self.kind),
            "learned": str(self.learned),
            "measurement": self.measurement.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Baseline:
        """Read the stored form back (raises on anything else)."""
        return cls(
            Measurement.from_dict(data["measurement"]),
            BaselineKind(data["kind"]),
            Learned(data.get("learned", Learned.FIRST)),
        )


# Baselines of a scene kept at other picture sizes (the stream's resolution
# set back and forth): the newest this many.
KEPT_SIZES = 4


def sized_key(scene: str, size: tuple[int, int]) -> str:
    """Where a scene's baseline at another size is kept: ``day@1280x720``."""
    return f"{scene}@{size[0]}x{size[1]}"


def keep_sized(baselines: dict[str, Baseline], scene: str, baseline: Baseline) -> None:
    """Keep ``baseline`` under its size, the newest of ``KEPT_SIZES`` per scene."""
    key = sized_key(scene, baseline.measurement.size)
    baselines.pop(key, None)
    baselines[key] = baseline
    kept = [other for other in baselines if other.startswith(f"{scene}@")]
    for oldest in kept[:-KEPT_SIZES]:
        del baselines[oldest]
