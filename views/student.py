"""A student's page, ?class=CODE: the canvas and its reading, Send to the wall and 'I meant', on one
phone screen. No title, no tabs, no polling: only the student's own strokes rerun it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

import mlp
from mlp.classroom import ClassError, ClassInfo, ClassStore, SendRefused, Student
from mlp.i18n import _
from mlp.reading import Reading
from views import canvas_content, class_start, class_training, draw, guards, presenter, tiles, toolbar, viewport
from views.text import plain

PHONE_PADDING = ("<style>[data-testid='stMainBlockContainer'] { padding: 3.5rem 1rem 2rem 1rem; }"
                 "</style>")
BELOW_CANVAS = 17  # rem from the canvas's top edge down: Clear, the reading and Send, 'I meant' in two rows
SMALLEST, LARGEST = 200, 480  # the canvas's side in CSS pixels
DIGIT_SIZE = 64  # the predicted digit's type, in CSS pixels
SHOWN_OWN = 12  # the student's own latest drawings shown under the pad


@dataclass(frozen=True)
class Drawn:
    """The drawing on the student's canvas, read: what Send and 'I meant' act on."""

    url: str  # the canvas's PNG data URL: a new one is a new drawing
    digit: np.ndarray  # (28, 28) float32, the model's input
    reading: Reading  # the model's one reading of it, as every panel and the wall show it


def show(data_path: str) -> None:
    """The student's page for the class in the address."""
    st.html(PHONE_PADDING)
    store, code = class_start.class_store(), class_start.code()
    info = store.find(code)
    if info is None:
        st.error(_("There is no class {code} now: it has ended, or the code is mistyped. "
                   "Ask your teacher for the code or the QR code.").format(code=plain(code)))
        return
    class_start.keep_code(info.code)
    student = joined(store, info.code)
    if student is None:
        return
    # The model's name as the page loaded; a stroke reads with the class's model of that moment (pad).
    st.caption(_("Class {code} · read by {model} · you are **{nickname}**").format(
        code=plain(info.code), model=plain(class_training.page_model(info)[1]), nickname=plain(student.nickname)))
    pad(store, info.code, student)
    # Outside the pad: it does not change with a stroke. Without it, a finger stroke begun in the
    # canvas's top-right corner landed on the component's hidden toolbar and drew nothing.
    toolbar.keep_off_canvas()


def joined(store: ClassStore, code: str) -> Student | None:
    """This browser's student in the class: the token in the address (?me=) keeps their tile across
    reloads and dropped connections; a first visit gets a new one, written into the address."""
    token = st.query_params.get(class_start.ME) or None
    known = st.session_state.class_student
    if known is not None and known[0] == code and known[1].token == token:
        return known[1]
    try:
        student = store.join(code, token)
    except ClassError as err:
        st.error(_("You cannot join this class: {reason}").format(reason=plain(str(err))))
        return None
    st.session_state.class_student = (code, student)
    st.session_state.class_sent = {}
    if student.token != token:
        st.query_params[class_start.ME] = student.token
    return student


def phone_side(space: dict[str, int] | None) -> int:
    """The canvas's side: the row's width, less what Clear, the reading, Send and 'I meant' need below."""
    if not space:
        return presenter.SMALLEST
    room = min(space["width"] - presenter.MARGIN,
               space["viewportHeight"] - space["top"] - BELOW_CANVAS * space.get("rem", 16))
    return int(max(SMALLEST, min(LARGEST, room)) // 10 * 10)


@st.fragment
def pad(store: ClassStore, code: str, student: Student) -> None:
    """Canvas, reading, Send and 'I meant': a stroke reruns only this, and reads with the model the class
    reads with now (the teacher may have chosen the class's own since the page loaded)."""
    with guards.contained():
        info = store.find(code)
        if info is None:
            st.warning(_("This class has ended. Thank you!"))
            return
        model = class_training.page_model(info)[0]
        if model is None:
            guards.no_model()
            return
        space = viewport.canvas_space()
        draw.canvas(phone_side(space), space is not None, presenting=True)
        drawn = current_drawing(model)
        if drawn is None:
            finished(store, info, student)
            st.info(_("Draw a digit on the black square: the model reads it as you lift the pen."))
        else:
            reading_row(store, info, student, drawn)
        if st.session_state.class_notice:
            st.warning(plain(as_sentence(st.session_state.class_notice)))
            st.session_state.class_notice = None
        own_drawings(store, code, student)


def current_drawing(model: mlp.Classifier) -> Drawn | None:
    """The canvas's drawing, read once per drawing; None while the canvas is blank or just cleared."""
    canvas = canvas_content.read_canvas()
    if canvas is not None and canvas.refused is not None:
        st.error(_("This drawing was not read: {reason}.").format(reason=plain(canvas.refused)))
    if canvas is None or canvas.digit is None:
        return None
    last = st.session_state.class_drawn
    if last is None or last.url != canvas.url:
        last = st.session_state.class_drawn = Drawn(canvas.url, canvas.digit, mlp.read(model, canvas.digit))
        st.session_state.meant = None  # 'I meant' starts unpicked for each new drawing
    return last


def finished(store: ClassStore, info: ClassInfo, student: Student) -> None:
    """A drawing just cleared is finished: when the teacher has the class send every finished
    drawing, it goes now unless it went already."""
    last, st.session_state.class_drawn = st.session_state.class_drawn, None
    if last is not None and info.send_all and last.url not in st.session_state.class_sent:
        send(store, info.code, student, last)


def send(store: ClassStore, code: str, student: Student, drawn: Drawn) -> int | None:
    """Send a drawing and its reading to the wall -> its id, or None after noting why it was refused."""
    reading = drawn.reading
    not_digit = None if reading.looks_like_digit is None else not reading.looks_like_digit
    try:
        drawing_id = store.send(code, student.token, drawn.digit, reading.digit, reading.confidence, not_digit)
    except SendRefused as err:
        st.session_state.class_notice = err.reason
        return None
    except ClassError as err:
        st.session_state.class_notice = str(err)
        return None
    st.session_state.class_sent = {drawn.url: drawing_id}  # only the drawing on the canvas matters
    return drawing_id


def label(store: ClassStore, code: str, student: Student, drawn: Drawn) -> None:
    """Callback of 'I meant': label the drawing (sending it first when the class sends every drawing)."""
    meant = st.session_state.meant
    if meant is None:
        return
    drawing_id = st.session_state.class_sent.get(drawn.url)
    if drawing_id is None:
        drawing_id = send(store, code, student, drawn)
    if drawing_id is not None:
        try:
            store.label(code, student.token, drawing_id, int(meant))
        except ClassError as err:
            st.session_state.class_notice = str(err)


def reading_row(store: ClassStore, info: ClassInfo, student: Student, drawn: Drawn) -> None:
    """The digit read, Send to the wall beside it, and 'I meant' under them."""
    reading = drawn.reading
    runner_up = reading.runner_up
    unsure = reading.confidence < draw.LOW_CONFIDENCE and reading.looks_like_digit is not False
    sent = drawn.url in st.session_state.class_sent
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        st.html(draw.big_prediction(reading.digit, reading.confidence, DIGIT_SIZE,
                                    reading.looks_like_digit is False, runner_up if unsure else None),
                width="content")
        st.button(_("Sent to the wall") if sent else _("Send to the wall"), key="send", type="primary",
                  icon=":material/check:" if sent else ":material/send:", disabled=sent or info.paused,
                  on_click=send, args=(store, info.code, student, drawn))
    if info.paused:
        st.caption(_("Your teacher has paused sending for now."))
    elif info.send_all and not sent:
        st.caption(_("Your teacher has every finished drawing sent: it goes when you clear it or say what you meant."))
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(_("I meant:"), width="content")
        st.pills(_("I meant"), list(range(10)), key="meant", label_visibility="collapsed", wrap=True,
                 disabled=info.paused or not (sent or info.send_all), on_change=label,
                 args=(store, info.code, student, drawn))


def as_sentence(reason: str) -> str:
    """The store's reason ('the teacher has paused sending') as a sentence of its own on the page."""
    return reason[:1].upper() + reason[1:] + ("" if reason.endswith((".", "!", "?")) else ".")


def own_drawings(store: ClassStore, code: str, student: Student) -> None:
    """The student's own latest drawings, as the wall has them: no one else's."""
    try:
        own = store.drawings_of(code, student.token)[:SHOWN_OWN]
    except ClassError:
        return
    if not own:
        return
    st.caption(_("Your drawings sent to the wall (only you see this list):"))
    st.html(tiles.own_strip(own))

