"""Every per-visitor session-state key the page uses, with its default, in one table."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import streamlit as st

import mlp
from mlp import i18n
from mlp.i18n import N_, _
from mlp.runs import TRAIN, Run, TrainingUnavailable
from views import loaders, visitor

ANY = N_("Any")  # the "no filter" choice of the digit selectboxes (kept in English, shown translated)
FIRST_PRESET = next(iter(mlp.PRESETS))  # the training form starts from the first preset


@dataclass(frozen=True)
class TrainedModel:
    """A model this visitor trained, as the shared run store keeps it (mlp.runs)."""

    run_id: str
    classifier: mlp.Classifier
    train_examples: int

    def files(self) -> tuple[bytes, bytes] | None:
        """Its (NAME.npz, NAME.keras) for a download, read from the store; None if out of reach or gone."""
        queue = loaders.run_queue()
        try:
            return None if isinstance(queue, TrainingUnavailable) else queue.model_files(self.run_id)
        except TrainingUnavailable:
            return None


class TrainedModels(Mapping):
    """One visitor's trained models, name -> TrainedModel, as the shared run store keeps them (the
    newest few per visitor), oldest first: any replica serving this browser finds them."""

    def __init__(self, owner: str):
        self.owner = owner

    def _runs(self) -> dict[str, Run]:
        queue = loaders.run_queue()
        try:
            kept = [] if isinstance(queue, TrainingUnavailable) else queue.models_of(self.owner)
        except TrainingUnavailable:  # drawing goes on with the shipped models
            kept = []
        return {run.name: run for run in reversed(kept) if run.kind == TRAIN}

    def __getitem__(self, name: str) -> TrainedModel:
        run = self._runs().get(name)
        classifier = None if run is None else loaders.trained_model(run.id)
        if classifier is None:
            raise KeyError(name)
        return TrainedModel(run_id=run.id, classifier=classifier, train_examples=run.request.images)

    def __iter__(self) -> Iterator[str]:
        return iter(self._runs())

    def __len__(self) -> int:
        return len(self._runs())


@dataclass(frozen=True)
class Key:
    """One session-state key: its default, what it holds, and who creates it."""

    default: object
    about: str
    widget: bool = False  # a widget creates it from its own default: init leaves it alone


def preset_values(preset: str, max_epochs: int | None = None) -> dict[str, object]:
    """The training form's fields as a preset sets them; epochs at most `max_epochs` if given."""
    config = mlp.PRESETS[preset]
    epochs = config.epochs if max_epochs is None else min(config.epochs, max_epochs)
    return {"train_hidden": ",".join(str(units) for units in config.hidden),
            "train_epochs": epochs, "train_batch": config.batch_size,
            "train_lr": config.learning_rate}


_FORM = preset_values(FIRST_PRESET)
KEYS: dict[str, Key] = {
    "view": Key("Draw", "the open tab's title in the page's language, bound to ?view= in the URL", widget=True),
    # The language (views.language)
    "lang": Key(None, "the page's language code, set from ?lang=, the browser or English on every run"),
    "lang_sidebar": Key(None, "the sidebar's language chooser; it writes ?lang=", widget=True),
    "lang_present": Key(None, "presenter mode's language buttons; they write ?lang=", widget=True),
    "present_language": Key(None, "presenter mode's language chooser's container: a key for its CSS, no value",
                            widget=True),
    # The model chooser
    "model_name": Key(mlp.DEFAULT_MODEL, "the model chosen in the sidebar"),
    "present": Key(False, "presenter mode: the page sets it from ?present=1 in the URL on every run",
                   widget=True),
    "present_model": Key(None, "presenter mode's model switch; it follows and sets model_name", widget=True),
    "select_model": Key(None, "a model to select before the chooser is drawn (set after training)"),
    "trained_models": Key(None, "name -> TrainedModel: the models this browser trained (TrainedModels, "
                                "a view of the shared run store, made in init)"),
    # Draw
    "canvas_round": Key(0, "how many times Clear was pressed: each press hands the canvas a new, "
                           "empty initial drawing, which clears it in place"),
    "canvas_cleared": Key(None, "the drawing (PNG data URL) that Clear wiped, until the canvas sends "
                                "its empty one: shown as blank meanwhile"),
    "canvas": Key(None, "the canvas's drawing, as the component sends it", widget=True),
    "canvas_reading": Key(None, "the canvas's latest drawing read (views.canvas_content.CanvasReading): "
                                "decoded once, not on every rerun"),
    # A widget key, not set by init: a slider given its value and no session-state value skips
    # building the whole filtered session state on every rerun (each stroke's) to find its own.
    "stroke_width": Key(20, "the pen width slider; absent until the slider is first drawn", widget=True),
    "canvas_space": Key(None, "where the canvas goes and the window's size, as the browser reports it "
                        "(views.viewport; presenter mode)", widget=True),
    "canvas_digit": Key(None, "the opened test digit as a PNG data URL, painted on the canvas (part of its "
                              "initial drawing, so a stroke adds to it) until Clear"),
    "canvas_side": Key(None, "the canvas's side in CSS pixels at the last run: a new one clears the canvas "
                             "and its reading together"),
    "opened_digit": Key(None, "a test digit opened from the Mistakes view (views.canvas_content.OpenedDigit): "
                        "read while the canvas is empty"),
    "lens": Key("Probabilities", "which panel beside the canvas shows the drawing's reading"),
    "unit_gallery": Key(None, "the Hidden units gallery's container: a key for its CSS, no value", widget=True),
    "unit_closeup": Key(None, "the chosen unit's picture's container: a key for its CSS, no value", widget=True),
    "templates": Key(None, "the No hidden layer templates' container: a key for its CSS, no value", widget=True),
    "lesson_unit": Key(-1, "the hidden unit chosen in the Hidden units panel; -1: the most active"),
    # Draw: the "What would change its mind?" and "Pin and compare" lenses
    "mind_digit": Key(-1, "the digit whose logit's gradient the change-its-mind lens paints; -1: the one read"),
    "pinned": Key(None, "drawing A, pinned to compare the current drawing with (views.pin_compare.Pinned)"),
    "pin_part": Key("Compare with pinned", "the pin lens's part: the comparison or the lesson steps"),
    "lesson_step": Key(0, "the lesson script's current step, from 0 (views.lesson_steps)"),
    "pin_drawing": Key(False, "the Pin this drawing button", widget=True),
    "unpin_drawing": Key(False, "the Unpin button", widget=True),
    "next_step": Key(False, "the lesson script's Next step button", widget=True),
    "upload": Key(None, "the uploaded picture", widget=True),
    "upload_reading": Key(None, "the uploaded picture read (views.upload_reading.UploadReading), for its file id: "
                                "decoded once per file, not on every rerun"),
    "data_retry": Key(False, "the Try again button under a data-missing notice", widget=True),
    # Test grid
    "grid_digit": Key(ANY, "the grid's true-digit filter"),
    "grid_offset": Key(0, "index of the first digit on the grid's page"),
    "grid_sample": Key(None, "seed of the grid's random sample; None: pages in order"),
    "grid_sheet": Key(None, "the grid's picture's container: a key for its CSS (fitted to the window), "
                            "no value", widget=True),
    # Mistakes
    "mistake_true": Key(ANY, "the mistakes' true-digit filter"),
    "mistake_predicted": Key(ANY, "the mistakes' predicted-digit filter"),
    "mistake_page": Key(0, "the page of mistake cards"),
    "mistakes_back": Key(False, "the mistake cards' Previous button", widget=True),
    "mistakes_next": Key(False, "the mistake cards' Next button", widget=True),
    "confusion": Key(None, "the cell clicked on the confusion matrix", widget=True),
    "confusion_rows": Key(False, "the confusion matrix as shares of each row (true digit)"),
    "mistakes_back_bottom": Key(False, "Previous under the mistake cards", widget=True),
    "mistakes_next_bottom": Key(False, "Next under the mistake cards", widget=True),
    "open-<index>": Key(False, "a mistake card's button that opens its digit in the Draw view", widget=True),
    # Train
    "train_preset": Key(FIRST_PRESET, "the preset the form's fields were last set from"),
    "train_hidden": Key(_FORM["train_hidden"], "the form's hidden layers, as typed"),
    "train_epochs": Key(_FORM["train_epochs"], "the form's epochs"),
    "train_batch": Key(_FORM["train_batch"], "the form's batch size"),
    "train_lr": Key(_FORM["train_lr"], "the form's learning rate"),
    "train_limit": Key(None, "the form's number of training images; None: all"),
    "train_linear": Key(False, "the form's no-hidden-layer choice", widget=True),
    "train_job": Key(None, "the id of this visitor's queued or running training run (mlp.runs)"),
    "train_retry": Key(False, "the Try again button under 'Training is unavailable'", widget=True),
    "train_curves_from": Key(None, "the trained model whose curves a new run is compared with"),
    "train_stop": Key(False, "the Stop button of a queued or running run", widget=True),
    "train_dismiss": Key(False, "the Dismiss button under a failed or stopped run", widget=True),
    "last_trained": Key(None, "name of this visitor's latest trained model"),
    "trained_news": Key(None, "a model just trained and chosen: the next run says so in a toast"),
    # A class (?class=CODE): the student's page and the wall (views.student, views.wall)
    "class_start_problem": Key(None, "why starting a class failed, shown under presenter mode's Start a class"),
    "class_student": Key(None, "(code, mlp.classroom.Student): this browser's student, from the token in ?me="),
    "class_drawn": Key(None, "the student's drawing on the canvas, read once (views.student.Drawn)"),
    "class_sent": Key({}, "canvas drawing (PNG data URL) -> its id in the store, once sent"),
    "class_notice": Key(None, "why the store refused a send or a label, shown once"),
    "send": Key(False, "the student's Send to the wall button", widget=True),
    "meant": Key(None, "the student's 'I meant' digit for the drawing on the canvas", widget=True),
    "wall_class": Key(None, "the class whose pause and send-all the wall's toggles were last set from"),
    "wall_paused": Key(False, "the wall's Pause sending toggle", widget=True),
    "wall_send_all": Key(False, "the wall's Send every finished drawing toggle", widget=True),
    "wall_part": Key(None, "the wall or the class's numbers", widget=True),
    "wall_opened": Key(False, "a tile's drawing is open on the Draw view instead of the wall"),
    "wall_tiles": Key(None, "the wall's tiles' container: a key for its CSS, no value", widget=True),
    "end_class": Key(False, "the wall's End the class button", widget=True),
    "tile_<id>": Key(None, "a wall tile's container, by drawing id: no value", widget=True),
    "open_<id>": Key(False, "a wall tile's button that opens its drawing on the Draw view", widget=True),
    "hide_<id>": Key(False, "a wall tile's button that hides its drawing", widget=True),
    "remove_<id>": Key(False, "a wall tile's button that removes its student", widget=True),
    "class_base": Key(None, "the wall's choice of the shipped model the class starts from", widget=True),
    "class_run_problem": Key(None, "why the class's fine-tune could not be queued, shown on the wall"),
    "class_train": Key(False, "the wall's Train our class's model button", widget=True),
    "class_run_stop": Key(False, "the Stop button of the class's queued or running fine-tune", widget=True),
    "class_model_choice_<run>": Key(None, "the model the class's pages read: the class's own or its base",
                                    widget=True),
    "class_model_download<suffix>": Key(None, "a download of the class's model, .keras or .npz", widget=True),
    "visitor": Key(None, "a random id for this visit: whose trained models are whose; the training "
                         "queue's owner where the browser is unknown (views.visitor)"),
}


def init() -> None:
    """Create this visitor's state on their first run; later runs leave it as it is."""
    for name, key in KEYS.items():
        if not key.widget and name not in st.session_state:
            st.session_state[name] = copy.deepcopy(key.default)
    if st.session_state.visitor is None:
        st.session_state.visitor = uuid.uuid4().hex
    if st.session_state.trained_models is None:  # the browser's, so that its other tabs and visits see them
        st.session_state.trained_models = TrainedModels(visitor.identify()[0])
    if (news := st.session_state.trained_news) is not None:  # a toast does not outlive the rerun it asks for
        st.session_state.trained_news = None
        st.toast(_("Trained {model}.").format(model=news) + " " + reading_with(news), icon=":material/model_training:")


def reading_with(name: str) -> str:
    """The sentence that says the page now reads drawings with a newly trained model."""
    return _("Now reading with {model}; switch back in the sidebar's model chooser.").format(model=name)


def canvas_key() -> str:
    """The canvas widget's key: one for the whole visit (Clear does not remount the canvas)."""
    return "canvas"
