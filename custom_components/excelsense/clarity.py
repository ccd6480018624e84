"""Lens clarity from a snapshot: how much fine detail the picture still has.

Pure Pillow, no Home Assistant: ``measure`` is CPU work for an executor.

The measure is the mean edge strength (Pillow's FIND_EDGES) of a greyscale
copy scaled to a fixed width, so it does not depend on the stream's
resolution. The top quarter is left out: the camera draws its name and clock
there, and that crisp text sits in front of the lens, not behind it. Dirt,
water and smudges soften edges first, so the measure falls as the lens gets
dirty. It also depends on the scene, which is why clarity compares a sample
with a baseline of the same kind of scene (day or night by mean brightness).
"""

from __future__ import annotations

from dataclasses import dataclass
import io

from PIL import Image, ImageFilter, ImageStat

# Scenes darker than this mean luminance (0-255) are compared as night scenes.
NIGHT_BRIGHTNESS = 60
_WIDTH = 480


@dataclass(frozen=True)
class Measurement:
    """Sharpness and brightness of one snapshot."""

    sharpness: float
    brightness: float

    @property
    def scene(self) -> str:
        """Day or night: baselines are kept per kind of scene."""
        return "night" if self.brightness < NIGHT_BRIGHTNESS else "day"


def measure(jpeg: bytes) -> Measurement:
    """Measure a JPEG (raises ValueError for anything that is not an image)."""
    try:
        image = Image.open(io.BytesIO(jpeg))
        image.draft("L", (_WIDTH * 2, _WIDTH * 2))
        grey = image.convert("L")
    except (OSError, Image.DecompressionBombError) as err:
        msg = "not a decodable image"
        raise ValueError(msg) from err
    height = max(4, grey.height * _WIDTH // max(1, grey.width))
    grey = grey.resize((_WIDTH, height))
    scene = grey.crop((0, height // 4, _WIDTH, height))
    edges = ImageStat.Stat(scene.filter(ImageFilter.FIND_EDGES)).mean[0]
    return Measurement(sharpness=edges, brightness=ImageStat.Stat(scene).mean[0])
