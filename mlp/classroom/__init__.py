"""The class store: one class's students, drawings and labels, shared by every replica.

    from mlp.classroom import ClassStore
    store = ClassStore.open()          # $MLP_CLASS_DB, else an SQLite file in the data folder
    info = store.new_class()
    student = store.join(info.code)
    store.send(info.code, student.token, image, reading=7, confidence=0.9, not_digit=False)
    store.wall(info.code)              # one tile per student, for the projector

What is stored and for how long: docs/class-data.md.
"""

from mlp.classroom.limits import ClassLimits
from mlp.classroom.records import (BASE_MODELS, ClassError, ClassInfo, Labelled, SendRefused, Student, Tile,
                                  class_owner)
from mlp.classroom.store import ClassStore

__all__ = ["BASE_MODELS", "ClassError", "ClassInfo", "ClassLimits", "ClassStore", "Labelled", "SendRefused", "Student",
           "Tile", "class_owner"]
