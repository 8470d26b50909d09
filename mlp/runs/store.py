"""The run queue as the pages and workers share it: runs, their place in line and models in one store.

Every replica and every worker opens a RunQueue on the same database (the class store's). A run
is a row: submitted by a page, claimed by a worker when a slot is free (at most `slots` running,
their estimated memory within `budget_mb`, across every machine), followed by its owner's page,
finished with its model written beside it. Huey (mlp.runs.broker) only carries the run's id to
a worker. Whoever writes next marks a run failed whose worker stopped beating, and stops one
whose owner stopped looking: nothing depends on one process staying alive.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
import uuid
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from mlp.classroom.engine import make_engine, shown, store_url
from mlp.classroom.records import CLASS_OWNER_PREFIX
from mlp.errors import MLPError
from mlp.i18n import N_, _
from mlp.limits import Estimate, TrainingLimits
from mlp.runs import broker
from mlp.runs.records import (CANCELLED, CLASS, DONE, FAILED, FINISHED, RUNNING, TRAIN, WAITING, ClassRequest,
                              QueueFull, Run, TrainingUnavailable, TrainRequest, request_from)
from mlp.runs.schema import create, lock, run_models, runs

KEEP_MODELS = 3  # models kept per owner (a visitor, a class): the newest ones
KEEP_FINISHED_SECONDS = 24 * 3600  # a finished run without a model is forgotten after a day
# After the store could not be reached, calls fail at once for this long rather than each waiting for
# the connection's timeout: the page asks several times a rerun, and drawing must not wait on it.
RETRY_SECONDS = 15.0
SLOTS_VAR, BUDGET_VAR = "MLP_TRAIN_SLOTS", "MLP_TRAIN_BUDGET_MB"
UNAVAILABLE = N_("Training is unavailable right now: the server that keeps the training queue cannot be reached.")
STOPPED_MACHINE = N_("The machine training it stopped before the run finished; train again.")
NO_WORKER = N_("No machine took this run from the queue: training is not running right now; try again later.")
ABANDONED = N_("Stopped: nobody was watching it (the page was closed).")
CLAIMED, NOT_YET, GONE = "claimed", "not yet", "gone"  # what a worker's claim comes to


def _fresh_id() -> str:
    return uuid.uuid4().hex[:16]


class RunQueue:
    """Bounded first-come queue of training runs, shared through the store by every replica and worker."""

    def __init__(self, engine: sa.Engine, huey, task, *, limits: TrainingLimits, slots: int,
                 budget_mb: float | None = None, max_waiting: int = 8, abandoned_after: float = 60.0,
                 stale_after: float = 30.0, clock: Callable[[], float] = time.time):
        """Use this engine and Huey; `stale_after` seconds without a worker's beat fail a run."""
        self.engine, self.huey, self.task = engine, huey, task
        self.limits, self.slots, self.max_waiting = limits, slots, max_waiting
        self.budget_mb = budget_mb if budget_mb is not None else slots * limits.run_memory_mb
        self.abandoned_after, self.stale_after, self.clock = abandoned_after, stale_after, clock
        self.unreachable_until = 0.0  # time.monotonic() before which the store is taken to be down
        self.where = shown(engine.url.render_as_string(hide_password=False))
        try:
            with self.engine.begin() as connection:
                create(connection, self.where)
        except sa.exc.SQLAlchemyError as err:
            raise TrainingUnavailable(f"{UNAVAILABLE} ({self.where}: {err.__class__.__name__})") from None

    @classmethod
    def open(cls, url: str | None = None, *, limits: TrainingLimits | None = None, slots: int | None = None,
             queue: str | None = None, execute: Callable[[str], None] | None = None, **options) -> RunQueue:
        """The queue on the store at `url` (else $MLP_CLASS_DB, else the data folder's SQLite file), its
        broker at `queue` (else $MLP_QUEUE, else beside the store); TrainingUnavailable if unreachable.

        `slots` (else $MLP_TRAIN_SLOTS, else 1) runs train at once across every machine, within
        $MLP_TRAIN_BUDGET_MB of estimated memory (else slots times a run's limit). `execute` is the
        worker's body for a run id; without it this queue only submits and follows runs.
        """
        url = store_url(url)
        slots = slots if slots is not None else int(os.environ.get(SLOTS_VAR) or 1)
        if os.environ.get(BUDGET_VAR) and "budget_mb" not in options:
            options["budget_mb"] = float(os.environ[BUDGET_VAR])
        opened: list[RunQueue] = []  # the worker's body needs the queue, made just below
        body = None if execute is None else (lambda run_id: execute(opened[0], run_id))
        try:
            engine = make_engine(url)
            huey, task = broker.make_huey(broker.queue_url(url, queue), body)
        except Exception as err:  # a bad URL, a missing driver, a server out of reach
            raise TrainingUnavailable(f"{UNAVAILABLE} ({shown(url)}: {err.__class__.__name__})") from None
        opened.append(cls(engine, huey, task, limits=limits or TrainingLimits.from_environment(), slots=slots,
                          **options))
        return opened[0]

    def close(self) -> None:
        """Close the store's connections and the broker's."""
        self.engine.dispose()
        self.huey.storage.close()

    # -- the page's side -------------------------------------------------------------------------

    def submit(self, request: TrainRequest | ClassRequest, owner: str, address: str | None = None) -> Run:
        """Queue a run after checking it against the limits; MLPError or QueueFull if it can't.

        `owner` is one browser (or "class:CODE"): it may have one run queued or training. `address`
        is its network address: all browsers behind it get at most limits.runs_per_address runs.
        """
        cost = request.estimate(self.limits)
        if isinstance(request, ClassRequest):
            self._check_class(request)
        now = self.clock()
        with self._writing() as connection:
            self._reap(connection, now)
            self._forget_ended_classes(connection)
            unfinished = connection.execute(sa.select(runs.c.owner, runs.c.address, runs.c.state)
                                            .where(runs.c.state.in_((WAITING, RUNNING)))).all()
            if any(row.owner == owner for row in unfinished):
                raise MLPError(_("You already have a run in the queue, perhaps from another tab of this "
                                 "browser: wait for it or stop it first."))
            ceiling = self.limits.runs_per_address
            if address is not None and sum(row.address == address for row in unfinished) >= ceiling:
                raise MLPError(_("{ceiling} runs from your network are queued or training already, the most "
                                 "this server takes from one address; try again when one has finished.").format(
                                     ceiling=ceiling))
            if sum(row.state == WAITING for row in unfinished) >= self.max_waiting:
                raise QueueFull(_("{count} runs are waiting already; try again in a few minutes.").format(
                    count=self.max_waiting))
            number = connection.execute(sa.select(sa.func.max(runs.c.number))
                                        .where(runs.c.owner == owner)).scalar() or 0
            run_id = _fresh_id()
            # The line's order: strictly after every run before it, even within a clock tick.
            latest = connection.execute(sa.select(sa.func.max(runs.c.submitted))).scalar()
            submitted = now if latest is None else max(now, latest + 1e-6)
            connection.execute(sa.insert(runs).values(
                id=run_id, kind=CLASS if isinstance(request, ClassRequest) else TRAIN, owner=owner,
                number=number + 1, address=address, request=request.to_dict(), state=WAITING,
                submitted=submitted, heartbeat=now, seen=now, progress=0.0, history={}, message="",
                estimate=asdict(cost), memory_mb=cost.memory_mb, peak_mb=0.0))
        try:
            self.task(run_id)
        except Exception as err:  # the broker is out of reach: the run would wait for nobody
            self._set(run_id, state=FAILED, message=UNAVAILABLE)
            raise TrainingUnavailable(f"{UNAVAILABLE} ({err.__class__.__name__})") from None
        return self.get(run_id)

    def get(self, run_id: str) -> Run | None:
        """The run as the store has it now, or None if there is no such run (any more)."""
        with self._reading() as connection:
            row = connection.execute(sa.select(runs).where(runs.c.id == run_id)).first()
        return None if row is None else _run(row)

    def position(self, run_id: str) -> int:
        """0 while it trains or once finished, else 1 + the number of runs waiting before it."""
        with self._reading() as connection:
            row = _waiting(connection, run_id)
            if row is None:
                return 0
            return 1 + connection.execute(sa.select(sa.func.count()).select_from(runs)
                                          .where(runs.c.state == WAITING, _before(row))).scalar_one()

    def wait_seconds(self, run_id: str) -> float:
        """About how long until the run starts: what the runs ahead of it have left, shared by the slots."""
        with self._reading() as connection:
            row = _waiting(connection, run_id)
            if row is None:
                return 0.0
            ahead = connection.execute(sa.select(runs).where(
                sa.or_(runs.c.state == RUNNING, sa.and_(runs.c.state == WAITING, _before(row))))).all()
        now = self.clock()
        # A run ahead that outlived its estimate is still going: FEW_SECONDS, never nothing.
        return sum(_run(other).remaining(now) for other in ahead) / max(self.slots, 1)

    def cancel(self, run_id: str, message: str = N_("Stopped.")) -> None:
        """Stop a run, waiting or training: its worker sees it within a beat and frees the slot."""
        self._set(run_id, state=CANCELLED, message=message, only_unfinished=True)

    def seen(self, run_id: str) -> None:
        """The owner is still watching: a run nobody looks at for abandoned_after seconds is stopped.
        Also marks failed any run whose worker stopped beating (someone has to look)."""
        now = self.clock()
        with self._writing() as connection:
            self._reap(connection, now)
            connection.execute(sa.update(runs).where(runs.c.id == run_id).values(seen=now))

    def latest(self, owner: str, kind: str | None = None) -> Run | None:
        """The owner's newest run (of this kind), or None."""
        query = sa.select(runs).where(runs.c.owner == owner)
        if kind is not None:
            query = query.where(runs.c.kind == kind)
        with self._reading() as connection:
            row = connection.execute(query.order_by(runs.c.submitted.desc(), runs.c.number.desc())).first()
        return None if row is None else _run(row)

    def model_files(self, run_id: str) -> tuple[bytes, bytes] | None:
        """The run's model as (NAME.npz, NAME.keras) bytes, for a download; None if not (or no longer) kept."""
        with self._reading() as connection:
            row = connection.execute(sa.select(run_models.c.npz, run_models.c.keras)
                                     .where(run_models.c.run_id == run_id)).first()
        return None if row is None else (bytes(row.npz), bytes(row.keras))

    def model(self, run_id: str):
        """The run's model as mlp.load_model reads it (NumPy), named as its owner's chooser names it."""
        from mlp.model import load_model

        files, run = self.model_files(run_id), self.get(run_id)
        if files is None or run is None:
            return None
        with tempfile.TemporaryDirectory(prefix="mlp-model-") as folder:
            path = Path(folder) / f"{run.name}.npz"
            path.write_bytes(files[0])
            loaded = load_model(path)
        return replace(loaded, name=run.name, path=None, record={**loaded.record, "name": run.name})

    def models_of(self, owner: str) -> list[Run]:
        """The owner's done runs whose model is kept, newest first."""
        with self._reading() as connection:
            rows = connection.execute(sa.select(runs).join(run_models, run_models.c.run_id == runs.c.id)
                                      .where(runs.c.owner == owner, runs.c.state == DONE)
                                      .order_by(run_models.c.finished.desc(), runs.c.number.desc())).all()
        return [_run(row) for row in rows]

    def delete_owner(self, owner: str) -> None:
        """Forget every run and model of this owner at once; a running one's worker then stops it.
        (An ended class's go by themselves: the next submit or finished run deletes them.)"""
        with self._writing() as connection:
            ids = sa.select(runs.c.id).where(runs.c.owner == owner)
            connection.execute(sa.delete(run_models).where(run_models.c.run_id.in_(ids)))
            connection.execute(sa.delete(runs).where(runs.c.owner == owner))

    # -- the worker's side -----------------------------------------------------------------------

    def claim(self, run_id: str, worker: str | None = None) -> str:
        """Take a slot for this run if it is first in line and one is free -> CLAIMED, NOT_YET or GONE.

        First come, first served across every machine: a run starts only when no run waits before it,
        fewer than `slots` run, and its estimated memory fits what the running ones leave of the budget.
        """
        now = self.clock()
        with self._writing() as connection:
            self._reap(connection, now)
            row = connection.execute(sa.select(runs).where(runs.c.id == run_id)).first()
            if row is None or row.state != WAITING:
                return GONE
            running = connection.execute(sa.select(runs.c.memory_mb).where(runs.c.state == RUNNING)).all()
            ahead = connection.execute(sa.select(sa.func.count()).select_from(runs)
                                       .where(runs.c.state == WAITING, _before(row))).scalar_one()
            fits = sum(other.memory_mb for other in running) + row.memory_mb <= self.budget_mb
            if ahead or len(running) >= self.slots or not (fits or not running):
                # Its task is alive: the beat keeps the run from counting as lost while it waits.
                connection.execute(sa.update(runs).where(runs.c.id == run_id).values(heartbeat=now))
                return NOT_YET
            connection.execute(sa.update(runs).where(runs.c.id == run_id).values(
                state=RUNNING, started=now, heartbeat=now, worker=worker or f"{socket.gethostname()}:{os.getpid()}"))
        return CLAIMED

    def beat(self, run_id: str, *, progress: float | None = None, epoch: dict | None = None,
             peak_mb: float | None = None) -> str:
        """The worker is alive, with what it learnt since -> the run's state (CANCELLED: stop it)."""
        now = self.clock()
        with self._writing() as connection:
            self._reap(connection, now)
            row = connection.execute(sa.select(runs.c.state, runs.c.history, runs.c.training_since,
                                               runs.c.peak_mb).where(runs.c.id == run_id)).first()
            if row is None:
                return GONE
            if row.state != RUNNING:
                return row.state
            values: dict = {"heartbeat": now}
            if progress is not None:
                values["progress"] = progress
                if row.training_since is None:
                    values["training_since"] = now
            if epoch:
                history = dict(row.history or {})
                for key, number in epoch.items():
                    history[key] = [*history.get(key, []), number]
                values["history"] = history
            if peak_mb is not None:
                values["peak_mb"] = max(row.peak_mb, peak_mb)
            connection.execute(sa.update(runs).where(runs.c.id == run_id).values(**values))
            return RUNNING

    def finish(self, run_id: str, state: str, message: str = "", *, files: tuple[bytes, bytes] | None = None,
               record: dict | None = None, result: dict | None = None) -> None:
        """End a running run: DONE with its model's files (the owner's oldest beyond KEEP_MODELS go),
        or FAILED/CANCELLED with why. A run stopped or failed meanwhile stays as it is."""
        now = self.clock()
        with self._writing() as connection:
            row = connection.execute(sa.select(runs.c.owner, runs.c.state).where(runs.c.id == run_id)).first()
            if row is None or row.state != RUNNING:
                return
            values = {"state": state, "message": message, "heartbeat": now, "result": result}
            if state == DONE:
                values["progress"] = 1.0
            connection.execute(sa.update(runs).where(runs.c.id == run_id).values(**values))
            if state == DONE and files is not None:
                connection.execute(sa.insert(run_models).values(run_id=run_id, owner=row.owner, finished=now,
                                                                npz=files[0], keras=files[1], record=record or {}))
                kept = sa.select(run_models.c.run_id).where(run_models.c.owner == row.owner) \
                    .order_by(run_models.c.finished.desc()).limit(KEEP_MODELS)
                connection.execute(sa.delete(run_models).where(run_models.c.owner == row.owner,
                                                               run_models.c.run_id.not_in(kept)))
                if row.owner.startswith(CLASS_OWNER_PREFIX):
                    # A class's new model becomes the one its students' pages read; the teacher can go back
                    # to the base on the wall (ClassStore.use_model_run).
                    from mlp.classroom.schema import classes

                    connection.execute(sa.update(classes).where(
                        classes.c.code == row.owner[len(CLASS_OWNER_PREFIX):]).values(model_run=run_id))
            self._forget_ended_classes(connection)
            modelled = sa.select(run_models.c.run_id)
            connection.execute(sa.delete(runs).where(runs.c.state.in_(FINISHED), runs.c.id.not_in(modelled),
                                                     runs.c.heartbeat < now - KEEP_FINISHED_SECONDS))

    # -- inside --------------------------------------------------------------------------------

    @staticmethod
    def _forget_ended_classes(connection: sa.Connection) -> None:
        """Delete the runs and models of classes that ended or expired: the class store's rows are gone."""
        from mlp.classroom.schema import classes

        if not sa.inspect(connection).has_table(classes.name):
            return
        prefix = CLASS_OWNER_PREFIX
        ended = sa.select(runs.c.id).where(runs.c.owner.startswith(prefix, autoescape=True),
                                           sa.func.substr(runs.c.owner, len(prefix) + 1).not_in(sa.select(classes.c.code)))
        connection.execute(sa.delete(run_models).where(run_models.c.run_id.in_(ended)))
        connection.execute(sa.delete(runs).where(runs.c.id.in_(ended)))

    def _check_class(self, request: ClassRequest) -> None:
        """MLPError now, rather than a failed run later, for a class that cannot be fine-tuned on."""
        from mlp.classroom import ClassStore
        from mlp.model import shipped_models
        from mlp.class_model import too_few

        if request.base not in shipped_models():
            raise MLPError(_("There is no shipped model {name} to start a class model from.").format(
                name=repr(request.base)))
        labelled = ClassStore(self.engine).labelled(request.code)
        if (why := too_few(len(labelled), len(set(labelled.token)))) is not None:
            raise MLPError(_("The class needs {what}: label more drawings on the wall first.").format(what=why))

    def _reap(self, connection: sa.Connection, now: float) -> None:
        """Fail the runs whose worker (or waiting task) stopped beating; stop those nobody watches."""
        unfinished = runs.c.state.in_((WAITING, RUNNING))
        for state, message in ((RUNNING, STOPPED_MACHINE), (WAITING, NO_WORKER)):
            connection.execute(sa.update(runs).where(runs.c.state == state, runs.c.heartbeat < now - self.stale_after)
                               .values(state=FAILED, message=message))
        connection.execute(sa.update(runs).where(unfinished, runs.c.seen < now - self.abandoned_after)
                           .values(state=CANCELLED, message=ABANDONED))

    def _set(self, run_id: str, only_unfinished: bool = False, **values) -> None:
        with self._writing() as connection:
            query = sa.update(runs).where(runs.c.id == run_id)
            if only_unfinished:
                query = query.where(runs.c.state.in_((WAITING, RUNNING)))
            connection.execute(query.values(**values))

    def _writing(self):
        return _Transaction(self, writing=True)

    def _reading(self):
        return _Transaction(self, writing=False)


class _Transaction:
    """One transaction on the store, its failures said as TrainingUnavailable; writers serialised."""

    def __init__(self, queue: RunQueue, writing: bool):
        self.queue, self.writing = queue, writing

    def __enter__(self) -> sa.Connection:
        from mlp.classroom.engine import READING

        if time.monotonic() < self.queue.unreachable_until:
            raise TrainingUnavailable(f"{UNAVAILABLE} (it was not reachable a moment ago)")
        try:
            self.connection = self.queue.engine.connect().execution_options(**{READING: not self.writing})
        except sa.exc.SQLAlchemyError as err:
            self.queue.unreachable_until = time.monotonic() + RETRY_SECONDS
            raise TrainingUnavailable(f"{UNAVAILABLE} ({err.__class__.__name__})") from None
        try:
            self.transaction = self.connection.begin()
            if self.writing:
                lock(self.connection)
        except sa.exc.SQLAlchemyError as err:
            self.connection.close()
            raise TrainingUnavailable(f"{UNAVAILABLE} ({err.__class__.__name__})") from None
        return self.connection

    def __exit__(self, kind, error, trace) -> bool:
        try:
            if kind is None:
                self.transaction.commit()
            else:
                self.transaction.rollback()
        except sa.exc.SQLAlchemyError as err:
            if kind is None:
                raise TrainingUnavailable(f"{UNAVAILABLE} ({err.__class__.__name__})") from None
        finally:
            self.connection.close()
        if isinstance(error, sa.exc.SQLAlchemyError):
            raise TrainingUnavailable(f"{UNAVAILABLE} ({error.__class__.__name__})") from None
        return False


def _waiting(connection: sa.Connection, run_id: str) -> sa.Row | None:
    """The run's place in line (its state, submitted time and id) while it waits, else None."""
    row = connection.execute(sa.select(runs.c.state, runs.c.submitted, runs.c.id).where(runs.c.id == run_id)).first()
    return row if row is not None and row.state == WAITING else None


def _before(row) -> sa.ColumnElement:
    """Runs submitted before `row` (ties broken by id): the ones ahead of it in line."""
    return sa.or_(runs.c.submitted < row.submitted, sa.and_(runs.c.submitted == row.submitted, runs.c.id < row.id))


def _run(row) -> Run:
    kind = row.kind
    return Run(id=row.id, kind=kind, owner=row.owner, state=row.state, progress=row.progress,
               history=row.history or {}, message=row.message or "", estimate=Estimate(**row.estimate),
               submitted=row.submitted, started=row.started, training_since=row.training_since,
               result=row.result, request=request_from(kind, row.request),
               name=f"{'trained' if kind == TRAIN else 'class'}-{row.number}", peak_mb=row.peak_mb)
