"""Training runs on a queue that every replica and worker machine shares (Huey over the class store's database).

    from mlp.runs import RunQueue, TrainRequest, ClassRequest
    queue = RunQueue.open()                  # the store: $MLP_CLASS_DB, else SQLite in $MLP_DATA_DIR
    run = queue.submit(TrainRequest(config, 20_000), owner="browser-...", address="10.0.0.7")
    queue.seen(run.id); queue.get(run.id).progress
    queue.models_of("browser-...")           # the done runs whose model is kept, newest first

Runs train in `python -m mlp.runs.worker` (docs/deployment.md): beside the replicas, or on any
machine that reaches the store.
"""

from mlp.runs.records import (CANCELLED, CLASS, DONE, FAILED, FEW_SECONDS, FINISHED, RUNNING, TRAIN, WAITING,
                              ClassRequest, QueueFull, Run, TrainingUnavailable, TrainRequest)
from mlp.runs.store import KEEP_MODELS, RunQueue

__all__ = ["CANCELLED", "CLASS", "DONE", "FAILED", "FEW_SECONDS", "FINISHED", "KEEP_MODELS", "RUNNING", "TRAIN",
           "WAITING", "ClassRequest", "QueueFull", "Run", "RunQueue", "TrainRequest", "TrainingUnavailable",
           "delete_owner"]


def delete_owner(owner: str, url: str | None = None) -> None:
    """Forget every run and model of `owner` ("class:CODE" when a class ends) in the store at `url`."""
    queue = RunQueue.open(url)
    try:
        queue.delete_owner(owner)
    finally:
        queue.close()
