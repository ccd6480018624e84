"""JPEG frames of the emulated camera: colour bars, an OSD-like text overlay, dirt.

The dirt is ``dirt.lens_dirt``: haze, drops and a smear that grow together.

Rendering is pure (a function of ``Frame`` and the quality level) and cached, so
repeated snapshots and MJPEG frames within the same second cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import io

from PIL import Image, ImageDraw, ImageFont

from . import dirt

MAX_WIDTH = 1280
DIRT_STEPS = 20
_BARS = (
    (192, 192, 192),
    (192, 192, 0),
    (0, 192, 192),
    (0, 192, 0),
    (192, 0, 192),
    (192, 0, 0),
    (0, 0, 192),
)
_DIRT_SEED = 1700


@dataclass(frozen=True, slots=True)
class Frame:
    """Everything a rendered frame depends on (hashable: it is the cache key)."""

    width: int
    height: int
    lines: tuple[str, ...]
    cleaning: bool = False
    dirt_level: int = 0  # 0..DIRT_STEPS


def scaled_size(resolution: str, max_width: int = MAX_WIDTH) -> tuple[int, int]:
    """Pixel size for a ``W*H`` resolution, scaled down to ``max_width`` wide."""
    width_text, _, height_text = resolution.partition("*")
    width, height = int(width_text), int(height_text)
    if width > max_width:
        height = max(1, round(height * max_width / width))
        width = max_width
    return width, height


def dirt_level(dirt: float) -> int:
    """Dirt (0..1) rounded to the steps the cache distinguishes."""
    return round(min(max(dirt, 0.0), 1.0) * DIRT_STEPS)


def jpeg_quality(level: int) -> int:
    """Map the API's quality 1 (worst) .. 9 (best) to a Pillow JPEG quality."""
    return round(10 + (level - 1) * 85 / 8)


def _scene(frame: Frame) -> Image.Image:
    image = Image.new("RGB", (frame.width, frame.height), (16, 16, 16))
    draw = ImageDraw.Draw(image)
    bars_bottom = frame.height * 2 // 3
    for index, colour in enumerate(_BARS):
        left = frame.width * index // len(_BARS)
        right = frame.width * (index + 1) // len(_BARS)
        draw.rectangle((left, 0, right, bars_bottom), fill=colour)
    # A resolution chart across the middle: stripes from coarse to fine, the
    # detail a dirty lens loses first (and what lens-clarity measures look at).
    chart_top, chart_bottom = frame.height * 2 // 5, frame.height * 3 // 5
    draw.rectangle((0, chart_top, frame.width, chart_bottom), fill=(235, 235, 235))
    x, period = 0, 24
    while x < frame.width:
        for stripe in range(0, frame.width // 6, period):
            if x + stripe + period // 2 > frame.width:
                break
            draw.rectangle(
                (x + stripe, chart_top, x + stripe + period // 2 - 1, chart_bottom),
                fill=(20, 20, 20),
            )
        x += frame.width // 6
        period = max(2, period * 2 // 3)
    steps = 8
    for index in range(steps):
        grey = 255 * index // (steps - 1)
        left = frame.width * index // steps
        right = frame.width * (index + 1) // steps
        draw.rectangle((left, bars_bottom, right, frame.height), fill=(grey,) * 3)
    return image


def _dirty(image: Image.Image, level: int) -> Image.Image:
    """The lens dirt model (``dirt.lens_dirt``) at ``level`` of ``DIRT_STEPS``."""
    return dirt.lens_dirt(image, level / DIRT_STEPS, seed=_DIRT_SEED)


def _overlay(image: Image.Image, frame: Frame) -> None:
    draw = ImageDraw.Draw(image)
    size = max(10, frame.height // 20)
    font = ImageFont.load_default(size=size)
    margin = size // 2
    y = margin
    for line in frame.lines:
        draw.text(
            (margin, y),
            line,
            font=font,
            fill=(255, 255, 255),
            stroke_width=2,
            stroke_fill=(0, 0, 0),
        )
        y += size + size // 3
    if frame.cleaning:
        band_top = frame.height * 2 // 5
        band_bottom = frame.height * 3 // 5
        draw.rectangle((0, band_top, frame.width, band_bottom), fill=(0, 90, 200))
        big = ImageFont.load_default(size=max(12, (band_bottom - band_top) // 2))
        draw.text(
            (frame.width // 2, (band_top + band_bottom) // 2),
            "CLEANING",
            font=big,
            fill=(255, 255, 255),
            anchor="mm",
        )


@lru_cache(maxsize=64)
def render_jpeg(frame: Frame, quality: int) -> bytes:
    """Render ``frame`` as a JPEG at API quality level ``quality`` (1..9)."""
    image = _scene(frame)
    if frame.dirt_level:
        image = _dirty(image, frame.dirt_level)
    _overlay(image, frame)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=jpeg_quality(quality))
    return buffer.getvalue()
