"""Lens clarity on real photographs: false alarms, detection, cost of a sample.

``measure`` reads every photograph of ``tests.photos.BENCH_PHOTOS`` through a
clean lens under each nuisance and through a dirty lens (each kind of dirt
alone and under one nuisance, a different one per photo and kind), against a
baseline of the same photo, with ``clarity.measure`` and ``clarity.compare``
as the integration runs them; ``report`` turns the readings into metrics,
``readme_table`` into the per-photo table of the README. No Home Assistant is
involved: this is the measure itself, not the loop around it
(tests/test_lens.py covers that).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from statistics import median
import time
from typing import TYPE_CHECKING

from custom_components.excelsense import clarity
from custom_components.excelsense.lens_tracking import ClarityTracker
from tests import photos

from .harness import say
from .results import Metric, record_all
from .settings import MS, ROOT

if TYPE_CHECKING:
    from .settings import Settings

CLEAN_LIMIT = 85.0  # every clean-lens variant reads at least this clarity (%)
MISSED_LIMIT = 5.0  # at most this share (%) of dirty variants goes unnoticed
SAMPLE_CPU_LIMIT_MS = 50.0
TABLE = ROOT / "artifacts" / "lens-table.md"


@dataclass(frozen=True)
class Row:
    """One picture compared with its photo's baseline."""

    photo: str
    kind: str
    seed: int
    dirty: bool
    clarity: float
    obscured: float
    triggers: bool


@dataclass
class LensResults:
    """Every reading, and the CPU time of each sample measured (ms)."""

    rows: list[Row] = field(default_factory=list)
    sample_cpu_ms: list[float] = field(default_factory=list)
    stereo: Row | None = None


def _timed_measure(jpeg: bytes, results: LensResults) -> clarity.Measurement:
    started = time.thread_time()
    measured = clarity.measure(jpeg)
    results.sample_cpu_ms.append((time.thread_time() - started) * MS)
    return measured


def _row(
    shot: photos.Shot,
    seed: int,
    baseline: clarity.Measurement,
    results: LensResults,
    *,
    dirty: bool,
) -> Row:
    reading = clarity.compare(_timed_measure(shot.jpeg, results), baseline)
    return Row(
        photo=shot.photo,
        kind=shot.kind,
        seed=seed,
        dirty=dirty,
        clarity=reading.clarity,
        obscured=reading.obscured,
        triggers=not ClarityTracker().is_clear(reading),
    )


def measure(seeds: int) -> LensResults:
    """Read every variant of every benchmark photo, ``seeds`` random draws each."""
    results = LensResults()
    nuisances = list(photos.NUISANCES)
    for index, name in enumerate(photos.BENCH_PHOTOS):
        baseline = _timed_measure(photos.baseline(name), results)
        for seed in range(seeds):
            # One random draw per photo and seed: drops cover 15-35 %.
            draw = seed * len(photos.BENCH_PHOTOS) + index
            for kind in photos.CLEAN_KINDS:
                shot = photos.clean_shot(name, kind, draw)
                results.rows.append(_row(shot, seed, baseline, results, dirty=False))
            for kind_index, kind in enumerate(photos.DIRT):
                nuisance = nuisances[(index + kind_index + seed) % len(nuisances)]
                for extra in ("", nuisance):
                    shot = photos.dirty_shot(name, kind, draw, extra)
                    row = _row(shot, seed, baseline, results, dirty=True)
                    results.rows.append(row)
    # The stereo pair's other view: the camera moved more than a little.
    other = photos.Shot(
        "motorcycle", "stereo view", photos.jpeg(photos.stereo_other_view())
    )
    baseline = clarity.measure(photos.baseline("motorcycle"))
    results.stereo = _row(other, 0, baseline, results, dirty=False)
    return results


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def report(results: LensResults) -> list[Metric]:
    """Clean variants under 85 %, false alarms, misses, CPU of a sample."""
    clean = [r for r in results.rows if not r.dirty]
    dirty = [r for r in results.rows if r.dirty]
    low = [r for r in clean if r.clarity < CLEAN_LIMIT]
    alarms = [r for r in clean if r.triggers]
    missed = [r for r in dirty if not r.triggers]
    variants = {"clean_variants": len(clean), "dirty_variants": len(dirty)}
    cpu = sorted(results.sample_cpu_ms)
    return [
        Metric(
            key="lens_clean_under_85",
            name=f"Lens: clean-lens variants reading under {CLEAN_LIMIT:g} % clarity",
            value=len(low),
            limit=0,
            op="==",
            details={
                **variants,
                "lowest_clarity": min(r.clarity for r in clean),
                "under": [asdict(r) for r in low],
            },
        ),
        Metric(
            key="lens_false_alarms",
            name="Lens: clean-lens variants that would trigger self-clean (%)",
            value=_percent(len(alarms), len(clean)),
            unit="%",
            limit=0,
            op="==",
            details={
                **variants,
                "highest_obscured": max(r.obscured for r in clean),
                "alarms": [asdict(r) for r in alarms],
                "stereo_view": asdict(results.stereo) if results.stereo else None,
            },
        ),
        Metric(
            key="lens_missed",
            name="Lens: dirty variants that would not trigger self-clean (%)",
            value=_percent(len(missed), len(dirty)),
            unit="%",
            limit=MISSED_LIMIT,
            details={
                **variants,
                "detection_rate": round(100.0 - _percent(len(missed), len(dirty)), 2),
                "missed": [asdict(r) for r in missed],
                "table": [asdict(r) for r in results.rows],
            },
        ),
        Metric(
            key="lens_sample_cpu",
            name="Lens: executor CPU of one 1280x720 sample, worst (ms)",
            value=round(cpu[-1], 2),
            unit="ms",
            limit=SAMPLE_CPU_LIMIT_MS,
            details={
                "samples": len(cpu),
                "median_ms": round(median(cpu), 2),
                "p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 2),
            },
        ),
    ]


def readme_table(results: LensResults) -> str:
    """Markdown: one row per kind, one column per photo; clarity / obscured (%).

    Seed 0 only. A clean-lens cell in bold would trigger self-clean (a false
    alarm); a dirty-lens cell in italics would not (a miss).
    """
    names = list(photos.BENCH_PHOTOS)
    kinds: list[str] = []
    cells: dict[tuple[str, str], Row] = {}
    for row in results.rows:
        if row.seed:
            continue
        label = row.kind if row.dirty else f"clean, {row.kind}"
        kind = label.split(" + ")[0] + (" + nuisance" if " + " in label else "")
        if kind not in kinds:
            kinds.append(kind)
        cells[kind, row.photo] = row
    lines = [
        "| Lens | " + " | ".join(names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for kind in kinds:
        values = []
        for name in names:
            row = cells[kind, name]
            text = f"{row.clarity:.0f} / {row.obscured:.0f}"
            if row.dirty and not row.triggers:
                text = f"*{text}*"
            elif not row.dirty and row.triggers:
                text = f"**{text}**"
            values.append(text)
        lines.append(f"| {kind} | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


async def test_lens(settings: Settings) -> None:
    """Lens clarity on real photographs (no camera, no Home Assistant needed)."""
    say(f"lens clarity on {len(photos.BENCH_PHOTOS)} photographs")
    results = measure(settings.lens_seeds)
    record_all(settings.results, report(results))
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TABLE.write_text(readme_table(results), encoding="utf-8")
