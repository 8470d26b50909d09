"""The class's wall, ?class=CODE&teacher=KEY, on the projector: one tile per student with their latest
drawing and what the model read, following the room by itself; the teacher's controls; a tile opened
on the Draw view's panels; the class's numbers.

Streamlit cannot push a rerun to another session, so the wall polls the store (only the wall does).
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

import mlp
from mlp.classroom import ClassError, ClassInfo, ClassStore, Tile
from mlp.i18n import N_, _
from views import (canvas_content, class_numbers, class_start, class_training, draw, guards, join, presenter,
                   tiles)
from views.text import plain

POLL_SECONDS = 1.0  # a sent drawing is on the wall within this and one rerun (the issue asks for 2 s)
# The session's values, shown translated.
WALL, NUMBERS, MODEL = N_("The wall"), N_("The class's numbers"), N_("Our class's model")
# A class of 30 on one 1080p screen: three rows of ten tiles under the header. Streamlit's bordered
# container pads by 1rem and its buttons are 2.5rem high (the presenter page's rem grows with the window),
# which made a tile 230x306 px and left room for 14; the tile's own HTML sizes itself in vh (views.tiles).
_DENSE = """<style>
.st-key-wall_tiles { gap: 1vh; }
.st-key-wall_tiles [class*='st-key-tile_'] { padding: 0.5vh 0.4vh 0.6vh; gap: 0.4vh; }
.st-key-wall_tiles [class*='st-key-tile_'] button { min-height: 0; height: 3vh; padding: 0 0.9vh;
  line-height: 1; font-size: max(12px, 1.6vh); }
.st-key-wall_tiles [class*='st-key-tile_'] [data-testid='stHorizontalBlock'],
.st-key-wall_tiles [class*='st-key-tile_'] [data-testid='stLayoutWrapper'] { gap: 0.5vh; }
</style>"""


def show(data_path: str) -> None:
    """The wall for the teacher's link; an address without the right key never shows it."""
    store, code = class_start.class_store(), class_start.code()
    info = store.find(code) if store.is_teacher(code, st.query_params.get(class_start.TEACHER, "")) else None
    if info is None:
        st.error(_("This address does not open a class's wall: the class has ended, or the teacher key in "
                   "it is not this class's. Students open the class with its code alone."))
        return
    class_start.keep_code(info.code)
    presenter.compact_page()
    st.session_state.present = True  # an opened drawing's panels are sized for the projector
    model = class_training.page_model(info)[0]  # what the students' pages read with
    if st.session_state.wall_opened:
        opened(model, data_path)
        return
    header(store, info)
    part = st.segmented_control(_("Show"), [WALL, NUMBERS, MODEL], key="wall_part", default=WALL,
                                format_func=_, label_visibility="collapsed")
    if part == NUMBERS:
        with guards.contained(_("the class's numbers")):
            class_numbers.show(model, store, info.code, data_path)
    elif part == MODEL:
        with guards.contained(_("the class's model")):
            class_training.show(store, info, data_path)
    else:
        st.html(_DENSE)
        wall_tiles(store, info.code)


def header(store: ClassStore, info: ClassInfo) -> None:
    """How to join (the code, the link, a QR code) and the teacher's controls."""
    address, _swapped = join.current_address()
    with st.container(horizontal=True, vertical_alignment="center", gap="large"):
        if address is not None:
            code = base64.b64encode(join.qr_png(address)).decode()
            qr_alt = _("QR code of the class")
            st.html(f'<img alt="{qr_alt}" src="data:image/png;base64,{code}" '
                    'style="height:15vh;width:auto;image-rendering:pixelated">', width="content")
        with st.container(width="content", gap=None):
            st.html(f'<div data-class-code="{info.code}" style="font-size:5vh;font-weight:800;'
                    f'letter-spacing:0.08em;line-height:1.1">{info.code}</div>')
            if address is not None:
                st.markdown(f"**{plain(join.short_link(address))}**")
        join.show()
        controls(store, info)


def controls(store: ClassStore, info: ClassInfo) -> None:
    """Pause sending, send every finished drawing, clear the wall, end the class."""
    if st.session_state.wall_class != info.code:  # the toggles start as the store has the class
        st.session_state.wall_paused, st.session_state.wall_send_all = info.paused, info.send_all
        st.session_state.wall_class = info.code
    with st.container(width="content", gap="small"):
        st.toggle(_("Pause sending"), key="wall_paused", on_change=lambda: act(
            store.set_paused, info.code, st.session_state.wall_paused),
            help=_("Students' Send buttons wait until you resume."))
        st.toggle(_("Send every finished drawing"), key="wall_send_all", on_change=lambda: act(
            store.set_send_all, info.code, st.session_state.wall_send_all),
            help=_("A drawing goes to the wall when its student clears it or says what they meant, "
                   "without pressing Send."))
    # Side by side: on a 1024-pixel projector (or at 200 %) they wrap under the code, and stacked there
    # they pushed the first row of tiles off the screen.
    with st.container(horizontal=True, width="content", gap="small"):
        st.button(_("Clear the wall"), icon=":material/layers_clear:", on_click=act, args=(store.clear_wall, info.code),
                  help=_("Hides every drawing sent so far; labelled ones still count in the class's numbers."))
        with st.popover(_("End the class"), icon=":material/stop_circle:"):
            st.markdown(_("Ending the class deletes it at once: every drawing, label and nickname. "
                          "Students' links stop working. Keep the labelled drawings first, if you like: "
                          "the .npz trains a model (`python -m mlp train --extra-data FILE`), the .csv opens in a "
                          "spreadsheet."))
            with st.container(horizontal=True, gap="small"):
                for suffix in (".npz", ".csv"):
                    st.download_button(_("Labelled drawings ({suffix})").format(suffix=suffix), exported(store, info.code, suffix),
                                       file_name=f"class-{info.code}{suffix}", icon=":material/download:",
                                       on_click="ignore")
            st.button(_("End the class and delete its drawings"), type="primary", on_click=end_class,
                      args=(store, info.code), key="end_class")


def act(change, *args) -> None:
    """Callback: one change to the class; when the class has ended meanwhile, say so instead of failing."""
    try:
        change(*args)
    except ClassError as err:
        st.toast(_("Not done: {reason}").format(reason=plain(str(err))))


def exported(store: ClassStore, code: str, suffix: str) -> Callable[[], bytes]:
    """The class's labelled drawings as one of the store's two export files, made when it is downloaded."""
    def contents() -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            written = store.export(code, Path(folder) / f"class-{code}")
            return next(path for path in written if path.suffix == suffix).read_bytes()
    return contents


def end_class(store: ClassStore, code: str) -> None:
    """Callback: delete the class and everything in it, and go back to the page."""
    act(store.end, code)
    class_training.forget_class(code)  # its runs and models now, not at the queue's next write
    language = st.query_params.get("lang")
    st.query_params.clear()
    if language:  # back on the page, in the wall's language
        st.query_params["lang"] = language
    st.session_state.wall_class, st.session_state.wall_opened = None, False
    st.toast(_("The class has ended; its drawings are deleted."))


@st.fragment(run_every=POLL_SECONDS)
def wall_tiles(store: ClassStore, code: str) -> None:
    """One tile per student, read from the store again every POLL_SECONDS."""
    with guards.contained(_("the wall")):
        class_training.keep_watching(code)
        try:
            shown = store.wall(code)
        except ClassError:
            st.warning(_("This class has ended."))
            return
        if not shown:
            st.info(_("No drawing yet: students scan the code, draw a digit and press Send to the wall."))
            return
        with st.container(horizontal=True, gap="small", key="wall_tiles"):
            for tile in shown:
                one_tile(store, code, tile)


def one_tile(store: ClassStore, code: str, tile: Tile) -> None:
    """A tile and its three buttons: open it on the Draw view's panels, hide it, remove its student."""
    with st.container(border=True, width="content", gap="small", key=f"tile_{tile.drawing_id}"):
        st.html(tiles.wall_tile(tile))
        with st.container(horizontal=True, gap="small", horizontal_alignment="center"):
            if st.button(":material/zoom_in:", key=f"open_{tile.drawing_id}",
                         help=_("Open on the Draw view's panels ({lenses})").format(
                             lenses=", ".join((_("Inside"), _("Hidden units"), _("No hidden layer"))))):
                open_tile(tile)
            st.button(":material/visibility_off:", key=f"hide_{tile.drawing_id}", help=_("Hide this drawing"),
                      on_click=act, args=(store.hide, code, tile.drawing_id))
            st.button(":material/person_remove:", key=f"remove_{tile.drawing_id}",
                      help=_("Remove this student: their tile goes and their link stops sending"),
                      on_click=act, args=(store.remove_student, code, tile.token))


def open_tile(tile: Tile) -> None:
    """Put a tile's drawing on the Draw view, Inside open, and show that instead of the wall."""
    if tile.label is None:
        about = _("{nickname}'s drawing (read as {read})")
    else:
        about = _("{nickname}'s drawing (read as {read}, meant {digit})")
    canvas_content.open_digit(tile.image, plain(about.format(nickname=tile.nickname, read=tile.reading, digit=tile.label)))
    st.session_state.wall_opened = True
    st.rerun(scope="app")


def close_tile() -> None:
    """Callback: back to the wall, the canvas emptied."""
    canvas_content.clear()
    st.session_state.wall_opened = False


def opened(model: mlp.Classifier | None, data_path: str) -> None:
    """A tile's drawing on the Draw view, with a way back to the wall."""
    st.button(_("Back to the wall"), icon=":material/arrow_back:", on_click=close_tile)
    draw.show(model, data_path)
