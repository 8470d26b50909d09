"""The page: draw a digit and watch an MLP read it; browse its test predictions and mistakes; train one.

Run with `streamlit run app.py` (MNIST from $MNIST_NPZ, a local mnist.npz in the Keras layout).
Everything numeric comes from `mlp`; this file lays out widgets, caches what every visitor
shares, and keeps what belongs to one visitor (their drawings, their trained models) in
`st.session_state`.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of the log

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw, ImageFont
from streamlit_drawable_canvas import st_canvas

import mlp
import mlp.preprocessing  # up front: the first stroke should not wait for scipy

VIEWS = ("Draw", "Test grid", "Mistakes", "Train")
CANVAS_SIDE = 280  # pixels; preprocess scales any size down to 28x28
LOW_CONFIDENCE = 0.6  # below this the page says the model is unsure
GRID_SIDE = 10  # the test grid shows GRID_SIDE x GRID_SIDE digits
MISTAKES_PER_PAGE = 24
ANY = "Any"  # the "no filter" choice of the digit selectboxes
DATA_MISSING = ("This view needs the MNIST data set, which is not available here: set the environment "
                "variable MNIST_NPZ to the path of a local mnist.npz (Keras layout) and restart the app.")
RED, GREY = (214, 39, 40), (90, 90, 90)


@dataclass(frozen=True)
class TrainedModel:
    """A model this visitor trained in this session, with everything the page shows about it."""

    classifier: mlp.Classifier
    evaluation: mlp.Evaluation  # on the full test set
    keras_file: bytes  # the .keras file for the download button
    train_examples: int


# --- cached loaders: shared by every visitor, read-only ------------------------------------------

@st.cache_resource(show_spinner="Loading the model...")
def load_shipped_model(name: str) -> mlp.Classifier:
    """A shipped model, loaded once per server (never trained or compiled further)."""
    return mlp.load_model(name)


@st.cache_data(show_spinner="Reading the MNIST test set...")
def load_test_set(data_path: str) -> tuple[np.ndarray, np.ndarray]:
    """(10000, 28, 28) uint8 test images and (10000,) labels; data_path '' = $MNIST_NPZ unset."""
    data = mlp.load_mnist(data_path or None)
    return data.x_test, data.y_test


@st.cache_data(show_spinner="Reading the MNIST training set...")
def load_mnist_data(data_path: str) -> mlp.Mnist:
    """All of MNIST, for training (only read when someone trains)."""
    return mlp.load_mnist(data_path or None)


@st.cache_data(show_spinner="Scoring the model on the test set...")
def score_shipped_model(_model: mlp.Classifier, model_name: str, data_path: str) -> mlp.Evaluation:
    """Test-set evaluation of a shipped model, computed once per model name and data file."""
    x_test, y_test = load_test_set(data_path)
    evaluation = mlp.evaluate(_model, mlp.as_model_input(x_test), y_test)
    _ = evaluation.predicted, evaluation.confidence, evaluation.confusion  # cached with it
    return evaluation


# --- small view helpers ---------------------------------------------------------------------------

def enlarged(digit: np.ndarray, side: int = 140) -> Image.Image:
    """(28, 28) float in [0, 1] or uint8 -> a grey PIL image, enlarged without smoothing."""
    pixels = digit if digit.dtype == np.uint8 else (np.clip(digit, 0, 1) * 255).astype(np.uint8)
    return Image.fromarray(pixels).resize((side, side), Image.Resampling.NEAREST)


def digit_choice(label: str, key: str, on_change=None) -> int | None:
    """A selectbox Any/0-9 -> None or the chosen digit."""
    choice = st.selectbox(label, [ANY, *range(10)], key=key, on_change=on_change)
    return None if choice == ANY else int(choice)


def probability_chart(probabilities: np.ndarray) -> alt.Chart:
    """Bars of the ten class probabilities, the most likely digit highlighted."""
    table = pd.DataFrame({"digit": [str(d) for d in range(10)], "probability": probabilities,
                          "top": probabilities == probabilities.max()})
    return alt.Chart(table, height=220).mark_bar().encode(
        x=alt.X("digit:N", sort=None, title="Digit", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("probability:Q", title="Probability", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%", tickCount=5)),
        color=alt.condition("datum.top", alt.value("#e4572e"), alt.value("#9aa5b1")),
        tooltip=["digit", alt.Tooltip("probability:Q", format=".1%")],
    )


def show_reading(model: mlp.Classifier, digit: np.ndarray) -> None:
    """What the model reads in one preprocessed (28, 28) digit: prediction, confidence, all ten."""
    probabilities = mlp.predict_proba(model, digit)
    (best, confidence), (runner_up, _) = mlp.top_k(probabilities, k=2)
    with st.container(horizontal=True, gap="small"):  # one row, down to a phone's width
        st.metric("Prediction", str(best), width=100)
        st.metric("Confidence", f"{confidence:.0%}", width=100)
        st.image(enlarged(digit, 112), width=112, caption="What the model sees")
    if confidence < LOW_CONFIDENCE:
        st.warning(f"Not sure: maybe {best} or {runner_up}.")
    st.altair_chart(probability_chart(probabilities), width="stretch")
    st.caption("The model reads 28x28 pixels: the drawing is cropped, scaled to fit 20x20 and "
               "centred by its mass, as the MNIST digits it learned from were.")


def plural(count: int, noun: str) -> str:
    """plural(1, 'epoch') -> '1 epoch', plural(3, 'epoch') -> '3 epochs'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def percent(p: float) -> str:
    """0.934 -> '93%', and small but non-zero shares as '<1%' rather than a misleading '0%'."""
    return f"{p:.0%}" if p >= 0.005 or p == 0 else "<1%"


def clear_canvas() -> None:
    """A fresh widget key gives a fresh, empty canvas."""
    st.session_state.canvas_round += 1


# --- the views ------------------------------------------------------------------------------------

@st.fragment
def draw_view(model: mlp.Classifier | None) -> None:
    """Canvas and upload on the left, what the model reads on the right; a stroke reruns only this."""
    pad, reading = st.columns([1, 1.25], gap="large")
    with pad:
        st.space("small")  # room for the canvas's toolbar, which shows above it on hover
        canvas = st_canvas(
            stroke_width=st.session_state.get("stroke_width", 20),
            stroke_color="#FFFFFF",
            background_color="#000000",
            width=CANVAS_SIDE,
            height=CANVAS_SIDE,
            drawing_mode="freedraw",
            return_image_data=True,
            key=f"canvas-{st.session_state.canvas_round}",
        )
        width, clear = st.columns([3, 1], vertical_alignment="bottom", wrap=False)
        width.slider("Pen width", 8, 40, key="stroke_width")
        clear.button("Clear", on_click=clear_canvas, width="stretch")
    with reading:
        if model is None:
            st.info("No model is loaded: choose another one in the sidebar.")
        else:
            pixels = canvas.image_data  # decoded from PNG on every access: read it once
            drawing = None if pixels is None else mlp.preprocess(pixels)
            if drawing is None:
                st.info("Draw a digit on the black square: the model reads it as you lift the pen.")
            else:
                show_reading(model, drawing)

    with st.expander("Or upload a photo or scan of a handwritten digit"):
        upload = st.file_uploader("A picture of one digit (PNG or JPEG)", type=["png", "jpg", "jpeg"],
                                  key="upload")
        if upload is not None and model is not None:
            try:
                photo = mlp.open_image(upload.getvalue())
                digit = mlp.preprocess(photo)
            except mlp.ImageError as err:
                st.error(f"Cannot read this file: {err}.")
            else:
                original, reading = st.columns([1, 3])
                original.image(photo, caption="Your picture", width=140)
                with reading:
                    if digit is None:
                        st.info("No digit found: the picture looks blank. Try a photo with more contrast.")
                    else:
                        show_reading(model, digit)


def grid_image(images: np.ndarray, labels: np.ndarray, predicted: np.ndarray, scale: int = 3) -> Image.Image:
    """Test digits in rows of GRID_SIDE, each titled with its prediction; mistakes framed in red."""
    cell, title, gap = 28 * scale, 18, 6
    columns = min(GRID_SIDE, len(images))
    rows = -(-len(images) // columns)
    sheet = Image.new("RGB", (columns * (cell + gap) + gap, rows * (cell + title + gap) + gap), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=14)
    for i, (image, label, guess) in enumerate(zip(images, labels, predicted)):
        left = gap + (i % columns) * (cell + gap)
        top = gap + (i // columns) * (cell + title + gap)
        wrong = label != guess
        text = f"{guess} (true {label})" if wrong else str(guess)
        draw.text((left + cell / 2, top + title / 2), text, fill=RED if wrong else GREY, font=font,
                  anchor="mm")
        sheet.paste(enlarged(image, cell).convert("RGB"), (left, top + title))
        if wrong:
            draw.rectangle((left - 2, top + title - 2, left + cell + 1, top + title + cell + 1),
                           outline=RED, width=3)
    return sheet


def reset_grid() -> None:
    st.session_state.grid_offset, st.session_state.grid_sample = 0, None


def move_grid(step: int) -> None:
    st.session_state.grid_offset += step
    st.session_state.grid_sample = None


def sample_grid() -> None:
    st.session_state.grid_sample = random.randrange(2**31)


def grid_view(model: mlp.Classifier, evaluation: mlp.Evaluation, x_test: np.ndarray) -> None:
    """A page of test digits with the model's predictions, wrong ones marked."""
    wrong = evaluation.error_count
    st.markdown(f"**{model.name}** reads **{evaluation.accuracy:.2%}** of the {len(x_test):,} "
                f"MNIST test digits correctly ({wrong} wrong, framed in red below).")
    choose, back, forward, shuffle = st.columns([2, 1, 1, 1.3], vertical_alignment="bottom")
    with choose:
        true_digit = digit_choice("True digit", "grid_digit", on_change=reset_grid)
    pool = np.arange(len(x_test)) if true_digit is None else np.flatnonzero(evaluation.labels == true_digit)
    page = GRID_SIDE * GRID_SIDE
    offset = min(st.session_state.grid_offset, max(0, (len(pool) - 1) // page * page))
    back.button("Previous", on_click=move_grid, args=(-page,), disabled=offset == 0, width="stretch")
    forward.button("Next", on_click=move_grid, args=(page,), disabled=offset + page >= len(pool),
                   width="stretch")
    shuffle.button("Random sample", on_click=sample_grid, width="stretch")
    if st.session_state.grid_sample is not None:
        rng = np.random.default_rng(st.session_state.grid_sample)
        shown = rng.choice(pool, size=min(page, len(pool)), replace=False)
        where = f"a random sample of {len(shown)}"
    else:
        shown = pool[offset : offset + page]
        where = f"{offset + 1}-{offset + len(shown)}"
    which = "test digits" if true_digit is None else f"test digits {true_digit}"
    shown_wrong = int((evaluation.predicted[shown] != evaluation.labels[shown]).sum())
    st.caption(f"Showing {where} of {len(pool):,} {which}; {shown_wrong} of them misread. "
               "Each title is the model's reading.")
    st.image(grid_image(x_test[shown], evaluation.labels[shown], evaluation.predicted[shown]),
             width="content")


def confusion_chart(confusion: np.ndarray, true_digit: int | None, predicted: int | None) -> alt.LayerChart:
    """Heat map of the 10x10 confusion counts; off-diagonal cells coloured by mistakes, clickable."""
    true_idx, pred_idx = np.indices(confusion.shape)
    table = pd.DataFrame({"true": true_idx.ravel(), "predicted": pred_idx.ravel(),
                          "count": confusion.ravel()})
    table["mistakes"] = np.where(table["true"] == table["predicted"], 0, table["count"])
    table["chosen"] = ((true_digit is None or table["true"] == true_digit)
                       & (predicted is None or table["predicted"] == predicted)
                       & (true_digit is not None or predicted is not None))
    cell = alt.selection_point(name="cell", fields=["true", "predicted"], on="click")
    base = alt.Chart(table, width=340, height=340).encode(
        x=alt.X("predicted:O", title="Predicted digit", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("true:O", title="True digit"),
    )
    top = max(int(table["mistakes"].max()), 1)
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.condition("datum.true == datum.predicted", alt.value("#e8ecef"),
                            alt.Color("mistakes:Q", legend=None,
                                      scale=alt.Scale(domain=[0, top], range=["#fff5f0", "#a50f15"]))),
        tooltip=[alt.Tooltip("true:O", title="true"), alt.Tooltip("predicted:O", title="predicted"),
                 alt.Tooltip("count:Q", title="images")],
    ).add_params(cell)
    chosen = base.mark_rect(fill=None, stroke="#1f77b4", strokeWidth=2.5).transform_filter("datum.chosen")
    counts = base.mark_text(fontSize=11).encode(
        text=alt.Text("count:Q"),
        color=alt.condition(f"datum.mistakes > {top / 2}", alt.value("white"), alt.value("#333333")),
    ).transform_filter("datum.count > 0")
    return cells + counts + chosen


def pick_confusion_cell() -> None:
    """A click on the heat map sets both digit filters (a diagonal cell: every mistake on that digit)."""
    chosen = st.session_state.confusion.selection.get("cell") or []
    if chosen:
        true_digit, predicted = int(chosen[0]["true"]), int(chosen[0]["predicted"])
        st.session_state.mistake_true = true_digit
        st.session_state.mistake_predicted = ANY if predicted == true_digit else predicted
    else:
        st.session_state.mistake_true = st.session_state.mistake_predicted = ANY
    st.session_state.mistake_page = 0


def reset_mistake_page() -> None:
    st.session_state.mistake_page = 0


def move_mistake_page(step: int) -> None:
    st.session_state.mistake_page += step


def describe_mistakes(count: int, true_digit: int | None, predicted: int | None) -> str:
    """'12 mistakes: true 3, read as 5' and the like."""
    parts = ([] if true_digit is None else [f"true {true_digit}"]) + \
            ([] if predicted is None else [f"read as {predicted}"])
    return f"**{plural(count, 'mistake')}**" + (f": {', '.join(parts)}" if parts else " in all") + \
           " (most confident first)"


def mistakes_view(model: mlp.Classifier, evaluation: mlp.Evaluation, x_test: np.ndarray) -> None:
    """Every misread test digit, filtered by a confusion-matrix cell, most confident first."""
    total = evaluation.error_count
    st.markdown(f"**{model.name}** misreads **{total}** of the {len(x_test):,} test digits. Click a "
                "cell of the matrix (row: true digit, column: the model's reading) or pick digits "
                "to see those mistakes.")
    matrix, filters = st.columns([1, 1], gap="large")
    with filters:
        true_digit = digit_choice("True digit", "mistake_true", on_change=reset_mistake_page)
        predicted = digit_choice("Predicted digit", "mistake_predicted", on_change=reset_mistake_page)
    with matrix:
        st.altair_chart(confusion_chart(evaluation.confusion, true_digit, predicted), width="content",
                        on_select=pick_confusion_cell, selection_mode="cell", key="confusion")
    chosen = evaluation.misclassified(true=true_digit, predicted=predicted)
    pages = max(1, -(-len(chosen) // MISTAKES_PER_PAGE))
    page = min(st.session_state.mistake_page, pages - 1)
    with filters:
        st.markdown(describe_mistakes(len(chosen), true_digit, predicted))
        if pages > 1:
            back, where, forward = st.columns([1, 1.2, 1], vertical_alignment="center")
            back.button("Previous", key="mistakes_back", on_click=move_mistake_page, args=(-1,),
                        disabled=page == 0, width="stretch")
            where.markdown(f"Page {page + 1} of {pages}", text_alignment="center")
            forward.button("Next", key="mistakes_next", on_click=move_mistake_page, args=(1,),
                           disabled=page + 1 >= pages, width="stretch")
    if not len(chosen):
        st.info("No mistakes here: the model reads every one of these test digits correctly.")
        return
    with st.container(horizontal=True, gap="small"):
        for index in chosen[page * MISTAKES_PER_PAGE : (page + 1) * MISTAKES_PER_PAGE]:
            with st.container(width=140, border=True, gap="xxsmall"):
                st.image(enlarged(x_test[index], 84), width=84)
                st.markdown(f"true **{evaluation.labels[index]}**, read **:red[{evaluation.predicted[index]}]**")
                top3 = mlp.top_k(evaluation.probabilities[index], k=3)
                st.caption("  \n".join(f"{digit}: {percent(p)}" for digit, p in top3))


def parse_hidden(text: str) -> tuple[int, ...]:
    """'256, 128' -> (256, 128); ValueError with a readable message otherwise."""
    try:
        sizes = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise ValueError(f"hidden layers must be whole numbers separated by commas, not {text!r}") from None
    if not sizes:
        raise ValueError("give at least one hidden layer size, e.g. 128")
    return sizes


def apply_preset() -> None:
    """Copy the chosen preset's values into the training form."""
    config = mlp.PRESETS[st.session_state.train_preset]
    st.session_state.train_hidden = ",".join(str(units) for units in config.hidden)
    st.session_state.train_epochs = config.epochs
    st.session_state.train_batch = config.batch_size
    st.session_state.train_lr = config.learning_rate


def curves_chart(history: dict[str, list[float]], metric: str, title: str) -> alt.Chart:
    """Train and validation `metric` per epoch."""
    rows = [{"epoch": epoch + 1, "set": name, title: value}
            for key, name in ((metric, "train"), (f"test_{metric}", "test"))
            for epoch, value in enumerate(history.get(key, []))]
    return alt.Chart(pd.DataFrame(rows), height=260).mark_line(point=True).encode(
        x=alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1), title="Epoch"),
        y=alt.Y(f"{title}:Q", scale=alt.Scale(zero=False)),
        color=alt.Color("set:N", title=None, legend=alt.Legend(orient="top-right")),
        tooltip=["epoch", "set", alt.Tooltip(f"{title}:Q", format=".4f")],
    )


def show_curves(history: dict[str, list[float]], loss_slot, accuracy_slot) -> None:
    loss_slot.altair_chart(curves_chart(history, "loss", "loss"), width="stretch")
    accuracy_slot.altair_chart(curves_chart(history, "accuracy", "accuracy"), width="stretch")


def train_view(data_path: str) -> None:
    """Pick hyperparameters, train with live curves, then use or download the model."""
    st.markdown("Train a new MLP on MNIST here. It joins the model chooser in the sidebar for the rest "
                "of your visit; the shipped models stay as they are.")
    try:
        load_test_set(data_path)  # cheap and cached: says whether the data is there at all
    except mlp.DataError as err:
        st.warning(DATA_MISSING)
        st.caption(str(err))
        return
    presets = list(mlp.PRESETS)
    st.selectbox("Preset", presets, key="train_preset", on_change=apply_preset,
                 help="Starting hyperparameters; edit them below.")
    preset = mlp.PRESETS[st.session_state.train_preset]
    st.caption(f"This preset also sets: batch normalisation {'on' if preset.batch_norm else 'off'}, "
               f"dropout {preset.dropout:g}, cosine decay {'on' if preset.cosine_decay else 'off'}, "
               f"augmentation {'on' if preset.augment else 'off'}, seed {preset.seed}.")
    with st.form("train_form", border=True):
        hidden_col, epochs_col, batch_col, lr_col = st.columns(4)
        hidden_col.text_input("Hidden layers", key="train_hidden",
                              help="Units of each hidden layer, comma-separated: 128 or 256,128")
        epochs_col.number_input("Epochs", min_value=1, max_value=100, step=1, key="train_epochs")
        batch_col.number_input("Batch size", min_value=1, max_value=4096, step=16, key="train_batch")
        lr_col.number_input("Learning rate", min_value=1e-5, max_value=1.0, step=1e-4, format="%.4f",
                            key="train_lr")
        limit = st.number_input("Train on the first N images (empty: all 60,000)", min_value=100,
                                max_value=60_000, value=None, step=1000, placeholder="all 60,000",
                                key="train_limit")
        submitted = st.form_submit_button("Train", type="primary")
    st.caption("Stay on this view while it trains: switching views or models stops the run.")

    if submitted:
        try:
            config = preset.with_changes(hidden=parse_hidden(st.session_state.train_hidden),
                                         epochs=int(st.session_state.train_epochs),
                                         batch_size=int(st.session_state.train_batch),
                                         learning_rate=float(st.session_state.train_lr))
        except ValueError as err:
            st.error(f"Cannot train with these settings: {err}.")
        else:
            try:
                data = load_mnist_data(data_path).first(train=limit)
            except mlp.DataError as err:
                st.warning(DATA_MISSING)
                st.caption(str(err))
                return
            run_training(config, data)

    last = st.session_state.get("last_trained")
    if last in st.session_state.trained_models:
        show_trained(last, st.session_state.trained_models[last])


def run_training(config: mlp.TrainConfig, data: mlp.Mnist) -> None:
    """Train with a progress bar and live curves; store the model in this session and select it."""
    steps_text = f"{len(data.x_train):,} images, {plural(config.epochs, 'epoch')}"
    bar = st.progress(0.0, text=f"Starting: {steps_text}...")
    loss_slot, accuracy_slot = st.columns(2)
    loss_slot, accuracy_slot = loss_slot.empty(), accuracy_slot.empty()
    history: dict[str, list[float]] = {}

    def on_batch(epoch: int, batch: int, batches: int) -> None:
        bar.progress(min(1.0, (epoch + batch / batches) / config.epochs),
                     text=f"Epoch {epoch + 1} of {config.epochs}, batch {batch} of {batches}")

    def on_epoch(epoch: int, epochs: int, logs: dict) -> None:
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        show_curves(history, loss_slot, accuracy_slot)

    result = mlp.train(config, data, on_epoch=on_epoch, on_batch=on_batch)
    bar.progress(1.0, text="Scoring on the test set...")
    names = set(mlp.shipped_models()) | set(st.session_state.trained_models)
    number = len(st.session_state.trained_models) + 1
    while f"trained-{number}" in names:
        number += 1
    name = f"trained-{number}"
    classifier = mlp.from_keras(result.keras_model, name, result.metadata(name, data))
    st.session_state.trained_models[name] = TrainedModel(
        classifier=classifier,
        evaluation=mlp.evaluate(classifier, mlp.as_model_input(data.x_test), data.y_test),
        keras_file=mlp.model_bytes(result.keras_model),
        train_examples=len(data.x_train),
    )
    st.session_state.last_trained = name
    st.session_state.select_model = name  # applied before the chooser is drawn
    st.rerun()


def show_trained(name: str, trained: TrainedModel) -> None:
    """The result of this session's latest training run."""
    meta = trained.classifier.record
    st.success(f"Trained **{name}**: it is now in the sidebar's model chooser.")
    accuracy, took, download = st.columns(3, vertical_alignment="center")
    accuracy.metric("Test accuracy", f"{trained.evaluation.accuracy:.2%}")
    took.metric("Training time", f"{meta.get('train_seconds', 0):.0f} s",
                help=f"{trained.train_examples:,} images, {plural(meta.get('epochs_run', 0), 'epoch')}")
    download.download_button("Download the model (.keras)", trained.keras_file, file_name=f"{name}.keras",
                             mime="application/octet-stream", on_click="ignore")
    loss_slot, accuracy_slot = st.columns(2)
    show_curves(meta.get("history", {}), loss_slot, accuracy_slot)


# --- the page -------------------------------------------------------------------------------------

def init_state() -> None:
    """Per-visitor state, created once per session."""
    defaults = {
        "canvas_round": 0,
        "stroke_width": 20,
        "trained_models": {},
        "model_name": mlp.DEFAULT_MODEL,
        "grid_offset": 0,
        "grid_sample": None,
        "mistake_page": 0,
        "train_preset": "classic",
    }
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value
    if "train_hidden" not in st.session_state:
        apply_preset()


def model_chooser() -> mlp.Classifier | None:
    """The sidebar: choose a model, read what it is. Returns it, or None if it cannot be loaded."""
    trained = st.session_state.trained_models
    options = [*mlp.shipped_models(), *trained]
    if "select_model" in st.session_state:
        st.session_state.model_name = st.session_state.pop("select_model")
    if st.session_state.model_name not in options and options:
        st.session_state.model_name = options[0]
    with st.sidebar:
        st.header("Model")
        name = st.selectbox("Model", options, key="model_name", label_visibility="collapsed",
                            format_func=lambda n: f"{n} (trained here)" if n in trained else n)
        if name is None:
            st.error("No model is shipped with this app (assets/ has no .keras file).")
            return None
        try:
            model = trained[name].classifier if name in trained else load_shipped_model(name)
        except mlp.MLPError as err:
            st.error(f"Cannot load {name}: {err}")
            return None
        meta = model.record
        accuracy = meta.get("test_accuracy")
        st.caption(meta.get("architecture", "architecture not recorded").replace(" > ", " → "))
        if accuracy is not None:
            st.markdown(f"Test accuracy **{accuracy:.2%}** on the 10,000 MNIST test digits.")
        if meta.get("train_examples"):
            st.caption(f"Trained on {meta['train_examples']:,} images for "
                       f"{plural(meta.get('epochs_run', 0), 'epoch')} in {meta.get('train_seconds', 0):.0f} s.")
        st.divider()
        st.caption("The model is a multilayer perceptron: the 28x28 pixels go in as 784 numbers, "
                   "through fully connected layers, and come out as ten probabilities.")
    return model


def scored_test_set(model: mlp.Classifier, data_path: str) -> tuple[mlp.Evaluation, np.ndarray] | None:
    """The model's test-set evaluation and the test images, or None after explaining what is missing."""
    try:
        x_test, _ = load_test_set(data_path)
    except mlp.DataError as err:
        st.warning(DATA_MISSING)
        st.caption(str(err))
        return None
    trained = st.session_state.trained_models.get(model.name)
    evaluation = trained.evaluation if trained else score_shipped_model(model, model.name, data_path)
    return evaluation, x_test


def main() -> None:
    st.set_page_config(page_title="Digit reader: an MLP on MNIST", page_icon=":pencil2:", layout="wide")
    init_state()
    data_path = os.environ.get("MNIST_NPZ", "")
    model = model_chooser()
    st.title("Digit reader")
    st.markdown("Draw a digit and watch a small neural network, a multilayer perceptron trained on "
                "MNIST, read it; then see how it does on 10,000 test digits, or train your own.")
    draw, grid, mistakes, train = st.tabs(VIEWS, key="view", bind="query-params")
    if draw.open:
        with draw:
            draw_view(model)
    for tab, view in ((grid, grid_view), (mistakes, mistakes_view)):
        if tab.open:
            with tab:
                if model is None:
                    st.info("No model is loaded: choose another one in the sidebar.")
                elif (results := scored_test_set(model, data_path)) is not None:
                    view(model, *results)
    if train.open:
        with train:
            train_view(data_path)


main()
