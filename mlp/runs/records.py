"""What the run queue hands around: the two kinds of request, a run as read from the store, errors."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from mlp.class_model import FineTuneConfig
from mlp.config import TrainConfig
from mlp.errors import MLPError
from mlp.limits import PROCESS_MB, START_SECONDS, Estimate, TrainingLimits, check, duration

WAITING, RUNNING, DONE, FAILED, CANCELLED = "waiting", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
TRAIN, CLASS = "train", "class"  # the two kinds of run
# What a run still going is taken to need, at the least, once it has outlived its estimate: a wait
# of "0 s" behind a run that is still training is never true.
FEW_SECONDS = 5.0
# A class fine-tune, beyond its training: reading the class's drawings and MNIST, then scoring base
# and tuned model on the held-out drawings and MNIST's 10,000 test digits (NumPy, a few seconds).
CLASS_SCORING_SECONDS = 10.0
# Its memory beyond a training process's: MNIST's training set read for the replay (47 MB), its
# float32 mix and the two models' scores; a class's drawings are at most a few MB.
CLASS_EXTRA_MB = 250


class TrainingUnavailable(MLPError):
    """The store or the broker cannot be reached: nothing can be queued or followed."""


class QueueFull(MLPError):
    """Too many runs are waiting already."""


@dataclass(frozen=True)
class TrainRequest:
    """A visitor's run: a network trained from scratch on MNIST's first `images` digits."""

    config: TrainConfig
    images: int

    def to_dict(self) -> dict:
        """As stored: JSON-ready."""
        return {"config": self.config.to_dict(), "images": self.images}

    def estimate(self, limits: TrainingLimits) -> Estimate:
        """Its cost, or MLPError saying which bound it breaks."""
        return check(self.config, self.images, limits)


@dataclass(frozen=True)
class ClassRequest:
    """A class's fine-tune: `base` (a shipped model) tuned on class `code`'s labelled drawings."""

    code: str
    base: str = "world"
    config: FineTuneConfig = FineTuneConfig()

    def to_dict(self) -> dict:
        """As stored: JSON-ready."""
        return {"code": self.code, "base": self.base, "config": asdict(self.config)}

    def estimate(self, limits: TrainingLimits) -> Estimate:
        """Its cost: starting, at most config.max_seconds of training, scoring; MLPError past the limits."""
        seconds = START_SECONDS + self.config.max_seconds + CLASS_SCORING_SECONDS
        cost = Estimate(seconds=seconds, memory_mb=PROCESS_MB + CLASS_EXTRA_MB, parameters=0)
        if seconds > limits.max_seconds:
            raise MLPError(f"A class fine-tune may train for {duration(self.config.max_seconds)}; this "
                           f"server allows {duration(limits.max_seconds)} a run, starting included.")
        if cost.memory_mb > limits.run_memory_mb:
            raise MLPError(f"A class fine-tune needs about {cost.memory_mb:,.0f} MB of memory; this "
                           f"server gives a run {limits.run_memory_mb:,} MB.")
        return cost


def request_from(kind: str, stored: dict) -> TrainRequest | ClassRequest:
    """The request a run was submitted with, from its stored JSON."""
    if kind == TRAIN:
        return TrainRequest(TrainConfig.from_dict(stored["config"]), int(stored["images"]))
    return ClassRequest(stored["code"], stored["base"], FineTuneConfig(**stored["config"]))


@dataclass(frozen=True)
class Run:
    """One run as the store had it when read: a snapshot, read again to follow it."""

    id: str
    kind: str  # TRAIN or CLASS
    owner: str  # a browser ("browser-..."), or "class:CODE"
    state: str  # WAITING RUNNING DONE FAILED CANCELLED
    progress: float  # share of the training done, 0..1
    history: dict[str, list[float]]  # per epoch, as in a model's record
    message: str  # why it failed, or was stopped
    estimate: Estimate
    submitted: float  # seconds since the epoch, as every time here (machines share no monotonic clock)
    started: float | None
    training_since: float | None  # the worker's first report: TensorFlow and the data loaded
    result: dict | None  # a class run's before/after figures, once done
    request: TrainRequest | ClassRequest | None = None
    name: str = ""  # what the model is called in its owner's chooser: trained-N, or class-N
    peak_mb: float = 0.0  # the most memory its training process was seen to hold

    @property
    def starting(self) -> bool:
        """Whether it runs but has not reported yet: its process loads TensorFlow and the data."""
        return self.state == RUNNING and self.training_since is None

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since it started running (0 while it waits)."""
        return 0.0 if self.started is None else max((now or time.time()) - self.started, 0.0)

    def remaining(self, now: float | None = None) -> float:
        """About how long until it ends: its estimate less its running time, or what its training so
        far says is left when that is more (a busy server), at least FEW_SECONDS."""
        now = now or time.time()
        left = self.estimate.seconds - self.elapsed(now)
        if self.training_since is not None and 0 < self.progress < 1:
            left = max(left, (now - self.training_since) * (1 - self.progress) / self.progress)
        return max(left, FEW_SECONDS)
