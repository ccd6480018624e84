"""The clarity tracker alone: baselines, smoothing, decisions (no Home Assistant).

Pictures are real photographs at 1080p (``tests.photos``), each frame with its
own sensor noise, measured as the integration measures snapshots.
"""

from __future__ import annotations

from functools import cache
import io

from PIL import Image
import pytest

from custom_components.excelsense import clarity, comparison, view
from custom_components.excelsense.baseline import KEPT_SIZES
from custom_components.excelsense.lens_tracking import (
    CLARITY_MARGIN,
    SMOOTHING,
    STORED_VERSION,
    Baseline,
    BaselineKind,
    ClarityTracker,
    Learned,
    LensState,
)
from tests import photos

PHOTO = "coffee"


def _measure(
    image: Image.Image, seed: int, *, grey: bool = False
) -> clarity.Measurement:
    return clarity.measure(photos.frame(image, seed, grey=grey))


@cache
def _clean(seed: int = 0) -> clarity.Measurement:
    return _measure(photos.photo(PHOTO), seed)


@cache
def _dirty(kind: str, seed: int = 0) -> clarity.Measurement:
    return _measure(photos.dirty(PHOTO, kind, 0), 10 + seed)


@cache
def _changed(kind: str, seed: int = 0) -> clarity.Measurement:
    rng = photos.rng(PHOTO, kind, 0)
    image = {
        "car": lambda: photos.vehicle(PHOTO, photos.photo(PHOTO), rng),
        "turned": lambda: photos.reaimed(PHOTO, rng),
        "fog": lambda: photos.fog(photos.photo(PHOTO), rng),
        "dim": lambda: photos.condition(PHOTO, "exposure x0.5", 0)[0],
    }[kind]()
    return _measure(image, 20 + seed)


@cache
def _night(seed: int = 0) -> clarity.Measurement:
    image, _ = photos.condition(PHOTO, "IR night", 0)
    return _measure(image, 30 + seed, grey=True)


def _installed(*, verified: bool = False) -> ClarityTracker:
    """A tracker that has seen three clean frames (and, maybe, a relearn)."""
    tracker = ClarityTracker()
    if verified:
        tracker.relearn(_clean(0))
    for seed in range(SMOOTHING):
        tracker.add(_clean(seed))
    return tracker


def _feed(tracker: ClarityTracker, samples: list[clarity.Measurement]) -> int:
    """Feed samples; run (and count) the automatic cleans the tracker asks for.

    The wiper takes nothing off: the picture after each clean is the same.
    """
    wipes = 0
    for index, sample in enumerate(samples):
        tracker.add(sample)
        if tracker.is_clear():
            tracker.resume()  # as the integration does when the lens reads clear
        if tracker.wants_auto_clean():
            wipes += 1
            before = tracker.reading
            tracker.cleaning_started()
            tracker.cleaning_sent()
            tracker.verified(
                samples[(index + 1) % len(samples)], before, automatic=True
            )
    return wipes


def _clean_by_wiper(tracker: ClarityTracker, after: clarity.Measurement) -> str:
    tracker.cleaning_started()
    tracker.cleaning_sent()
    outcome = tracker.verified(after, tracker.reading, automatic=True)
    assert outcome is not None
    return outcome.event_type


@cache
def _flat(level: int) -> clarity.Measurement:
    """A black (IR lights not on yet) or white (the IR filter's flash) frame."""
    buffer = io.BytesIO()
    Image.new("RGB", (1920, 1080), (level,) * 3).save(buffer, "JPEG", quality=95)
    return clarity.measure(buffer.getvalue())


@pytest.mark.parametrize("level", [0, 255])
def test_a_black_or_white_first_frame_is_no_baseline(level: int) -> None:
    """A frame that shows no scene is never the reference of one.

    Taken as the first night baseline, a black frame hid raindrops over 40 %
    of the picture for good (its clipped tiles are left out of every
    comparison, so it never looked like it lacked anything); a white flash
    made the first IR pictures read 4-43 % and wiped.
    """
    tracker = ClarityTracker()
    assert tracker.add(_flat(level)) is False
    assert tracker.reading is None
    assert not tracker.baselines
    for seed in range(SMOOTHING):
        tracker.add(_night(seed))
    assert tracker.baseline is not None
    assert tracker.baseline.measurement is _night(0)
    # A stored baseline that shows no scene gives way to the next that does.
    stored = ClarityTracker()
    stored.restore(
        {
            "version": 2,
            "baselines": {
                view.scene_of(_night(0), None): {
                    "kind": "provisional",
                    "learned": "first",
                    "measurement": _flat(level).as_dict(),
                }
            },
        }
    )
    stored.add(_night(0))
    assert stored.baseline is not None
    assert stored.baseline.measurement is _night(0)


def test_first_sample_is_a_provisional_baseline() -> None:
    """No unknown: the first sample reads 100 % against itself, provisionally."""
    tracker = ClarityTracker()
    assert tracker.reading is None
    assert tracker.add(_clean(0)) is True
    assert tracker.reading == clarity.Reading(100.0, 0.0)
    assert tracker.baseline is not None
    assert tracker.baseline.kind is BaselineKind.PROVISIONAL
    assert tracker.baseline.learned is Learned.FIRST


def test_a_provisional_baseline_gives_way_only_to_steady_clearer_pictures() -> None:
    """Installed dirty: clean pictures, three in a row, replace the baseline.

    One sharper-looking frame (a passing car) or a dirty one never does.
    """
    tracker = ClarityTracker()
    tracker.add(_dirty("mud 10 %"))
    assert tracker.add(_changed("car")) is False
    assert tracker.add(_clean(0)) is False
    assert tracker.add(_clean(1)) is False
    assert tracker.add(_clean(2)) is True
    assert tracker.baseline is not None
    assert tracker.baseline.learned is Learned.CLEARER
    assert tracker.baseline.kind is BaselineKind.PROVISIONAL
    assert tracker.reading == clarity.Reading(100.0, 0.0)

    clean = _installed()
    first = clean.baseline
    for kind in ("mud 10 %", "leaf 20 %"):
        for seed in range(SMOOTHING):
            clean.add(_dirty(kind, seed))
    assert clean.baseline is first


def test_baseline_is_verified_only_after_a_clean_that_helped() -> None:
    """Wiping a clean lens proves nothing; wiping dirt off does, once confirmed."""
    tracker = _installed()
    assert _clean_by_wiper(tracker, _clean(3)) == "cleaned"
    assert tracker.baseline is not None
    assert tracker.baseline.kind is BaselineKind.PROVISIONAL

    for seed in range(SMOOTHING):
        tracker.add(_dirty("raindrops 40 %", seed))
    assert tracker.wants_auto_clean()
    assert _clean_by_wiper(tracker, _clean(4)) == "cleaned"
    assert tracker.baseline.kind is BaselineKind.PROVISIONAL
    # A car passes at the next sample: the picture is not confirmed.
    assert tracker.add(_changed("car")) is False
    assert tracker.baseline.kind is BaselineKind.PROVISIONAL
    for seed in range(SMOOTHING):
        tracker.add(_dirty("raindrops 40 %", seed))
    assert _clean_by_wiper(tracker, _clean(4)) == "cleaned"
    # The next sample agrees with the picture after the clean: verified.
    assert tracker.add(_clean(5)) is True
    assert tracker.baseline.kind is BaselineKind.VERIFIED
    assert tracker.baseline.learned is Learned.CLEANED


def test_a_film_on_a_soft_view_is_wiped_and_the_clean_confirmed() -> None:
    """A soft view (handwriting enlarged six times) under a 1.5 px dust film.

    Taken as it is, the film keeps about 92 % of this view's sharpness: never
    under the threshold. Read as in a typical view, it calls for a clean; the
    clean helped on the same scale and its picture becomes the verified
    baseline. Clean pictures of the view agree with each other as they are.
    """
    soft = "text"
    frames = [_measure(photos.photo(soft), seed, grey=True) for seed in range(5)]
    film = [
        _measure(photos.dirty(soft, "dust film", 0), 10 + seed, grey=True)
        for seed in range(SMOOTHING)
    ]
    tracker = ClarityTracker()
    for frame in frames[:SMOOTHING]:
        tracker.add(frame)
    assert not tracker.wants_auto_clean()
    for frame in film:
        tracker.add(frame)
    assert tracker.reading is not None
    assert tracker.reading.clarity < 80
    assert tracker.wants_auto_clean()
    assert _clean_by_wiper(tracker, frames[3]) == "cleaned"
    assert tracker.add(frames[4]) is True
    assert tracker.baseline is not None
    assert tracker.baseline.kind is BaselineKind.VERIFIED


def test_paint_that_stays_is_no_improvement_and_pauses() -> None:
    """A wipe that changes nothing is evidence: one, then a pause (stored)."""
    tracker = _installed(verified=True)
    paint = [_dirty("paint 15 %", seed) for seed in range(SMOOTHING)]
    for sample in paint:
        tracker.add(sample)
    assert tracker.wants_auto_clean()
    before = tracker.baseline
    assert _clean_by_wiper(tracker, paint[0]) == "no_improvement"
    assert tracker.auto_stopped
    assert tracker.baseline is before  # the paint never becomes the reference
    assert _feed(tracker, paint * 8) == 0
    assert not tracker.is_clear()
    # A clean started by hand that changes nothing does not pause.
    by_hand = _installed(verified=True)
    for sample in paint:
        by_hand.add(sample)
    by_hand.cleaning_started()
    by_hand.cleaning_sent()
    outcome = by_hand.verified(paint[1], by_hand.reading, automatic=False)
    assert outcome is not None
    assert outcome.event_type == "no_improvement"
    assert not by_hand.auto_stopped
    # Someone cleans the lens by hand: it reads clear and resumes by itself.
    _feed(tracker, [_clean(seed) for seed in range(SMOOTHING)])
    assert tracker.is_clear()
    assert not tracker.auto_stopped


def test_a_moved_camera_relearns_without_a_wipe() -> None:
    """The same detail, elsewhere: a provisional baseline of the new view."""
    tracker = _installed(verified=True)
    turned = [_changed("turned", seed) for seed in range(SMOOTHING + 2)]
    assert _feed(tracker, turned) == 0
    assert tracker.baseline is not None
    assert tracker.baseline.learned is Learned.VIEW_CHANGED
    assert tracker.baseline.kind is BaselineKind.PROVISIONAL
    assert tracker.is_clear()


@cache
def _resized(name: str, width: int, height: int, seed: int = 0) -> clarity.Measurement:
    """A clean lens, with the stream set to another size (its own noise)."""
    image = photos.noisy(photos.photo(name), 2.0, 40 + seed)
    return clarity.measure(photos.jpeg(image.resize((width, height), Image.LANCZOS)))


@pytest.mark.parametrize("size", [(1280, 720), (704, 576), (640, 360)])
def test_a_stream_set_to_another_size_relearns_without_a_wipe(
    size: tuple[int, int],
) -> None:
    """Detail read at the working width depends on the picture's own size.

    A clean lens read against a 1080p baseline after the stream was set to
    704x576 read 66 % clear on this photograph (as a dust film would) and was
    wiped, found "no improvement" and paused until the size was set back.
    Pictures of another size are not compared: the first one is the scene's
    baseline at that size, and the 1080p one comes back with 1080p pictures.
    """
    name = "chelsea"
    tracker = ClarityTracker()
    tracker.relearn(_measure(photos.photo(name), 0))
    smaller = [_resized(name, *size, seed) for seed in range(SMOOTHING + 2)]
    assert smaller[0].size == size
    assert _feed(tracker, smaller) == 0
    assert tracker.baseline is not None
    assert tracker.baseline.learned is Learned.RESIZED
    assert tracker.baseline.measurement.size == size
    assert tracker.reading is not None
    assert tracker.reading.clarity >= 95.0
    stored = ClarityTracker.baselines_from(tracker.stored())
    assert {key: b.measurement.size for key, b in stored.items()} == {
        "day": size,
        "day@1920x1080": (1920, 1080),
    }
    # Set back: the verified 1080p baseline comes back (dirt is still dirt).
    drops = photos.dirty(name, "raindrops 40 %", 0)
    assert _feed(tracker, [_measure(drops, seed) for seed in range(3)]) == 1
    assert tracker.baseline.learned is Learned.RELEARNED
    assert tracker.baselines[f"day@{size[0]}x{size[1]}"].learned is Learned.RESIZED
    clean = [_measure(photos.photo(name), seed) for seed in range(SMOOTHING + 2)]
    assert _feed(tracker, clean) == 0
    tracker.relearn(clean[0])
    assert set(tracker.baselines) == {"day"}


@pytest.mark.parametrize("name", ["chelsea", "moon", "text"])
def test_coarser_jpeg_pictures_never_replace_a_provisional_baseline(name: str) -> None:
    """The block edges of a coarser compression read as fine detail.

    Steady pictures at JPEG quality 30 showed "more" than the quality-95
    baseline and replaced it; back at 95 the clean lens read about 90 %, and a
    dusk or a little dirt more took it under the threshold. A picture whose
    JPEG is clearly coarser than the baseline's (its quantization steps) is
    never taken as clearer.
    """
    tracker = ClarityTracker()
    tracker.add(_measure(photos.photo(name), 0))
    baseline = tracker.baseline
    assert baseline is not None
    coarse = [
        clarity.measure(photos.frame(photos.photo(name), seed, 30))
        for seed in range(1, 6)
    ]
    assert coarse[0].quantization > 10 * baseline.measurement.quantization
    assert _feed(tracker, coarse) == 0
    assert tracker.baseline is baseline
    back = [_measure(photos.photo(name), seed) for seed in range(6, 9)]
    assert _feed(tracker, back) == 0
    assert tracker.reading is not None
    assert tracker.reading.clarity >= 99.0


def test_a_picture_of_another_size_after_a_clean_is_not_judged() -> None:
    """The clean is neither "cleaned" nor "no improvement": nothing to read it by."""
    tracker = _installed(verified=True)
    tracker.cleaning_started()
    tracker.cleaning_sent()
    assert tracker.verified(_resized(PHOTO, 1280, 720), None, automatic=True) is None
    assert not tracker.auto_stopped
    assert tracker.state is LensState.IDLE
    assert tracker.baselines["day"].measurement.size == (1280, 720)
    assert tracker.baselines["day@1920x1080"].kind is BaselineKind.VERIFIED


def test_a_clean_confirmed_only_by_a_picture_of_its_own_size() -> None:
    """The picture after a clean waits for the next one to agree: at its size.

    Set to another size meanwhile, the next picture was read against it (and,
    agreeing, would have made a 1080p picture the 720p scene's verified
    baseline); now the wait ends with the size.
    """
    tracker = _installed()
    for seed in range(SMOOTHING):
        tracker.add(_dirty("raindrops 40 %", seed))
    assert _clean_by_wiper(tracker, _clean(4)) == "cleaned"
    assert tracker._candidate is not None
    tracker.add(_resized(PHOTO, 1280, 720))
    assert tracker._candidate is None
    tracker.add(_resized(PHOTO, 1280, 720, 1))
    assert tracker.baselines["day"].measurement.size == (1280, 720)
    assert tracker.baselines["day"].kind is BaselineKind.PROVISIONAL


def test_baselines_are_kept_for_a_few_sizes_only() -> None:
    """A stream set to size after size keeps the newest few baselines, not all."""
    tracker = _installed(verified=True)
    sizes = [(1280, 720), (704, 576), (640, 360), (960, 540), (800, 450), (1024, 576)]
    for width, height in sizes:
        tracker.add(_resized(PHOTO, width, height))
    kept = [key for key in tracker.baselines if key.startswith("day@")]
    assert kept == [f"day@{w}x{h}" for w, h in sizes[-1 - KEPT_SIZES : -1]]
    assert tracker.baselines["day"].measurement.size == sizes[-1]


def test_a_baseline_stored_without_its_size_takes_the_cameras() -> None:
    """Stored before sizes were kept: the next picture's size is the baseline's."""
    tracker = _installed(verified=True)
    stored = tracker.stored()
    assert stored["baselines"]["day"]["measurement"]["size"] == [1920, 1080]
    del stored["baselines"]["day"]["measurement"]["size"]
    restored = ClarityTracker()
    restored.restore(stored)
    assert restored.baselines["day"].measurement.size == (0, 0)
    assert restored.add(_clean(1))  # changed: to be stored
    day = restored.baselines["day"]
    assert day.measurement.size == (1920, 1080)
    assert (day.kind, day.learned) == (BaselineKind.VERIFIED, Learned.RELEARNED)
    assert restored.reading == clarity.Reading(100.0, 0.0)


def test_a_parked_car_is_the_scene_not_dirt() -> None:
    """A car that stays: sharp new detail, never a wipe."""
    tracker = _installed(verified=True)
    car = [_changed("car", seed) for seed in range(2)]
    assert _feed(tracker, car * 3) == 0
    assert tracker.is_clear()


def test_a_view_still_moving_is_neither_wiped_nor_learned() -> None:
    """Detail come in elsewhere, but the pictures disagree: wait, no wipe.

    A camera shaking on its pole, a yard being rearranged: no picture holds
    long enough to be learned, and no wiper would change it.
    """
    tracker = _installed(verified=True)
    first = tracker.baseline
    views = [
        _measure(photos.reaimed(PHOTO, photos.rng(PHOTO, "aim", seed)), 40 + seed)
        for seed in range(3)
    ]
    assert not tracker._agree(views[0], views[1])  # the premise
    for sample in views:
        assert comparison.examine(sample, _clean(0)).changed >= view.VIEW_CHANGED
    assert _feed(tracker, views * 3) == 0
    assert tracker.baseline is first


@pytest.mark.parametrize(
    ("changed", "in_focus", "veiled", "before", "after"),
    [
        # Some detail came in elsewhere: a wipe first, then the scene.
        (0.1, 0.0, 0.0, None, view.VIEW),
        (0.0, 0.03, 0.0, None, view.VIEW),
        (0.2, 0.0, 0.0, view.VIEW, view.VIEW),
        (0.0, 0.05, 0.0, view.VIEW, view.VIEW),
        # Fog: rows veiled, what shows as sharp as before.
        (0.0, 0.0, 0.4, None, view.FOG),
        (0.0, 0.0, 0.6, view.FOG, view.FOG),
        # What paint or a crack leaves: nothing of the scene's.
        (0.03, 0.01, 0.1, None, None),
    ],
)
def test_a_wipe_that_changed_nothing_lets_weaker_signs_of_the_scene_count(
    changed: float, in_focus: float, veiled: float, before: str | None, after: str
) -> None:
    """Before a wipe, only clear signs of the scene spare it.

    After a wipe that changed nothing, what is left is the scene or dirt no
    wiper takes off: weaker signs of the scene will do.
    """
    reading = clarity.Comparison(
        clarity.Reading(70.0, 20.0),
        sharpness=0.95,
        changed=changed,
        veiled=veiled,
        in_focus=in_focus,
    )
    assert view.explained([reading], camera_moved=False) == before
    assert view.explained([reading], camera_moved=False, after_wipe=True) == after
    assert view.explained([reading], camera_moved=True) == view.VIEW


def test_fog_is_at_most_one_wipe_then_the_current_normal() -> None:
    """Fog in the scene: learned as it is, whether a wipe came first or not."""
    tracker = _installed(verified=True)
    fog = [_changed("fog", seed) for seed in range(2)]
    assert _feed(tracker, fog * 6) <= 1
    assert not tracker.wants_auto_clean()
    assert tracker.is_clear()
    assert not tracker.auto_stopped


def test_a_reading_at_the_threshold_does_not_wipe_again_and_again() -> None:
    """Hysteresis: dirty under the threshold, clear again only past a margin."""
    tracker = _installed(verified=True)
    film = _dirty("dust film")
    reading = comparison.compare(film, _clean(0))
    tracker.obscured_threshold = 100.0  # clarity alone decides here
    tracker.clarity_threshold = reading.clarity + 1
    for _ in range(SMOOTHING):
        tracker.add(film)
    assert not tracker.is_clear()
    # The threshold moves just under the reading: still dirty (margin).
    tracker.clarity_threshold = reading.clarity - CLARITY_MARGIN / 2
    tracker.add(film)
    assert not tracker.is_clear()
    assert tracker.is_clear(tracker.reading)  # the reading alone would pass
    tracker.clarity_threshold = reading.clarity - CLARITY_MARGIN - 1
    tracker.add(film)
    assert tracker.is_clear()
    # A film right at the threshold that no wipe takes off: one wipe a day.
    day = _installed(verified=True)
    day.obscured_threshold = 100.0
    day.clarity_threshold = reading.clarity
    assert _feed(day, [film, _dirty("dust film", 1)] * 48) <= 1


def test_ir_night_and_a_dim_day_keep_their_own_baselines() -> None:
    """Grey IR pictures are night; a dim day keeps its colour and stays day."""
    tracker = _installed(verified=True)
    tracker.add(_changed("dim"))
    assert tracker.scene == "day"
    tracker.add(_night())
    assert tracker.scene == "night"
    assert tracker.baselines["night"].kind is BaselineKind.PROVISIONAL
    assert tracker.baselines["day"].kind is BaselineKind.VERIFIED
    assert tracker.reading == clarity.Reading(100.0, 0.0)
    tracker.add(_clean(1))
    assert tracker.scene == "day"


def test_relearn_takes_the_picture_as_the_verified_reference() -> None:
    """After moving the camera on purpose, or cleaning by hand: 100 %, resumed."""
    tracker = _installed(verified=True)
    paint = _dirty("paint 15 %")
    for _ in range(SMOOTHING):
        tracker.add(paint)
    _clean_by_wiper(tracker, paint)
    assert tracker.auto_stopped
    turned = _changed("turned")
    tracker.relearn(turned)
    assert not tracker.auto_stopped
    assert tracker.baseline is not None
    assert tracker.baseline.measurement is turned
    assert tracker.baseline.kind is BaselineKind.VERIFIED
    assert tracker.baseline.learned is Learned.RELEARNED
    assert tracker.reading == clarity.Reading(100.0, 0.0)
    assert tracker.is_clear()


def test_stored_form_keeps_the_pause_and_drops_what_it_cannot_read() -> None:
    """Baselines and the pause come back; bad or old entries are left out."""
    tracker = _installed(verified=True)
    tracker.auto_stopped = True
    tracker.add(_night())
    stored = tracker.stored()
    assert stored["version"] == STORED_VERSION
    restored = ClarityTracker()
    restored.restore(stored)
    assert restored.auto_stopped
    assert set(restored.baselines) == {"day", "night"}
    day = restored.baselines["day"]
    assert (day.kind, day.learned) == (BaselineKind.VERIFIED, Learned.RELEARNED)
    restored.add(_clean(1))
    assert restored.reading == clarity.Reading(100.0, 0.0)

    stored["baselines"]["dusk"] = {"kind": "unheard-of"}
    stored["baselines"]["night"] = {"kind": "verified", "measurement": {"fine": []}}
    assert list(ClarityTracker.baselines_from(stored)) == ["day"]
    assert ClarityTracker.baselines_from(None) == {}
    assert Baseline.from_dict(day.as_dict()) == day


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("fine", float("nan")),
        ("light", float("inf")),
        ("middle", -1.0),
        ("noise", float("-inf")),
        ("colour", "many"),
        ("light", 1e200),
        ("clipped", 1.5),
        ("coarse", 1e9),
        ("size", [1920.5, 1080]),
        ("size", [-1, 1080]),
        ("size", [1920, 70000]),
        ("size", [1920]),
        ("size", "1920x1080"),
        ("size", [True, 1080]),
        ("quantization", -1.0),
        ("quantization", float("nan")),
    ],
)
def test_stored_baseline_with_impossible_numbers_is_dropped(
    key: str, value: object
) -> None:
    """An edited or damaged store never puts a number no picture gives in a baseline."""
    tracker = _installed(verified=True)
    stored = tracker.stored()
    measurement = stored["baselines"]["day"]["measurement"]
    if key == "size":
        measurement[key] = value
    elif isinstance(measurement[key], list):
        measurement[key][7] = value
    else:
        measurement[key] = value
    restored = ClarityTracker()
    restored.restore(stored)
    assert restored.baselines == {}
    restored.add(_clean(1))
    assert restored.reading == clarity.Reading(100.0, 0.0)


@pytest.mark.parametrize(
    "stored",
    [
        ["baselines"],
        {"baselines": ["day"], "auto_stopped": "yes"},
        {"baselines": None, "auto_stopped": 1},
    ],
)
def test_stored_form_of_another_shape_reads_as_nothing(stored: object) -> None:
    """Only what ``stored()`` writes is read: anything else starts afresh, unpaused."""
    tracker = ClarityTracker()
    tracker.restore(stored)  # type: ignore[arg-type]
    assert tracker.baselines == {}
    assert not tracker.auto_stopped


@pytest.mark.parametrize(
    "old",
    [
        # Version 1 of this store: one number per scene.
        {"baselines": {"day": 12.5}},
        # The first store per region: a 24 x 9 grid, no version, no pause.
        {
            "baselines": {
                "day": {
                    "kind": "verified",
                    "measurement": {
                        key: [1.0] * 216
                        for key in ("fine", "middle", "coarse", "clipped", "light")
                    },
                }
            }
        },
        None,
        {},
    ],
)
def test_old_stored_forms_read_as_far_as_they_can(
    old: dict[str, object] | None,
) -> None:
    """Nothing old is compared with the new grid: a fresh provisional baseline."""
    tracker = ClarityTracker()
    tracker.restore(old)
    assert tracker.baselines == {}
    assert not tracker.auto_stopped
    tracker.add(_clean(0))
    assert tracker.reading == clarity.Reading(100.0, 0.0)


def test_one_odd_frame_never_triggers() -> None:
    """Every sample of the window must read dirty: a passing car does not."""
    tracker = _installed(verified=True)
    car = _changed("car")
    assert _feed(tracker, [car, _clean(1), car, _clean(2), car, _clean(0)]) == 0


def test_auto_clean_decision_and_states() -> None:
    """Only when idle and not paused; the states go round once per clean."""
    tracker = _installed(verified=True)
    for seed in range(SMOOTHING):
        tracker.add(_dirty("raindrops 25 %", seed))
    assert tracker.wants_auto_clean()
    tracker.cleaning_started()
    assert tracker.state is LensState.CLEANING
    assert not tracker.wants_auto_clean()
    tracker.cleaning_failed()
    assert tracker.state is LensState.IDLE
    tracker.cleaning_started()
    tracker.cleaning_sent()
    assert tracker.state is LensState.VERIFYING
    before = tracker.reading
    outcome = tracker.verified(_clean(3), before, automatic=True)
    assert tracker.state is LensState.IDLE
    assert outcome is not None
    assert outcome.event_type == "cleaned"
    assert outcome.before == before
    assert outcome.after == clarity.Reading(100.0, 0.0)


def test_verification_without_a_picture_learns_nothing() -> None:
    """No measurement after a clean: back to idle, no outcome, no baseline."""
    tracker = ClarityTracker()
    tracker.cleaning_started()
    tracker.cleaning_sent()
    assert tracker.verified(None, None, automatic=True) is None
    assert tracker.state is LensState.IDLE
    assert tracker.baselines == {}
    # A first picture after a clean is the baseline: nothing to judge against.
    outcome = tracker.verified(_clean(0), None, automatic=False)
    assert outcome is not None
    assert outcome.event_type == "cleaned"
    assert tracker.baseline is not None


def test_thresholds_decide_on_either_measure() -> None:
    """Clarity under its threshold or obscured area over its own."""
    tracker = ClarityTracker()
    assert not tracker.is_clear()
    assert tracker.is_clear(clarity.Reading(85.0, 5.0))
    assert not tracker.is_clear(clarity.Reading(70.0, 5.0))
    assert not tracker.is_clear(clarity.Reading(95.0, 10.0))
    tracker.obscured_threshold = 15.0
    assert tracker.is_clear(clarity.Reading(95.0, 10.0))
