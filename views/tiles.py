"""Drawings sent to a class as HTML: the wall's tiles and a student's own strip. Nicknames and every
other stored text are escaped: nothing a student's browser sends is read as HTML or Markdown."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from mlp.classroom import Tile
from mlp.i18n import _


def png_url(png: bytes) -> str:
    """PNG bytes from the store -> a data URL to put in an img's src."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def verdict(tile: Tile) -> tuple[str, str]:
    """('right' | 'wrong' | '', what the tile says): nothing until the student says what they meant."""
    if tile.right is None:
        return "", ""
    return ("right", "✓ " + _("right")) if tile.right else ("wrong", "✗ " + _("meant {digit}").format(digit=tile.label))


def wall_tile(tile: Tile) -> str:
    """One student's tile: their drawing, their nickname, the digit read and, once labelled, right or wrong.

    Sized in vh, so that a projector's 1080 lines hold three rows of ten (a class of 30) under the header,
    and a laptop's the same wall; the read digit is the largest text, to be read from the back of a room.
    """
    name = html.escape(tile.nickname, quote=True)
    kind, said = verdict(tile)
    drawn_by = html.escape(_("drawing by {name}"), quote=True).format(name=name)
    colour = {"right": "#1a7f37", "wrong": "#c62828"}.get(kind, "inherit")
    check = html.escape(_("The model's check says this is not a digit"), quote=True)
    unsure = f'<span title="{check}">?</span>' if tile.not_digit else ""
    return (f'<div data-tile="{name}" data-reading="{int(tile.reading)}" data-verdict="{kind}" '
            f'data-drawing="{int(tile.drawing_id)}" '
            'style="display:flex;flex-direction:column;align-items:center;gap:0.2vh;line-height:1.05;width:13.6vh">'
            f'<img alt="{drawn_by}" src="{png_url(tile.png)}" '
            'style="height:11.2vh;width:11.2vh;image-rendering:pixelated;border-radius:4px;background:#000">'
            f'<div style="font-size:max(13px,1.6vh);font-weight:600;white-space:nowrap;overflow:hidden;'
            f'text-overflow:ellipsis;max-width:100%" title="{name}">{name}</div>'
            f'<div style="display:flex;flex-wrap:wrap;justify-content:center;align-items:baseline;column-gap:0.6vh">'
            f'<span data-read style="font-size:4.4vh;'
            f'font-weight:800">{int(tile.reading)}{unsure}</span><span style="font-size:max(13px,1.9vh);'
            f'color:{colour};font-weight:700">{html.escape(said)}</span></div></div>')


def own_strip(tiles: Sequence[Tile]) -> str:
    """A row of small pictures of a student's own drawings, each with the digit read and the one meant."""
    cells = []
    for tile in tiles:
        read = _("read {digit}").format(digit=int(tile.reading))
        meant = "" if tile.label is None else " · " + _("meant {digit}").format(digit=int(tile.label))
        cells.append(f'<figure data-own="{int(tile.drawing_id)}" style="margin:0;text-align:center;'
                     f'font-size:0.8rem"><img alt="{read}" src="{png_url(tile.png)}" '
                     'width="56" height="56" style="image-rendering:pixelated;border-radius:3px">'
                     f'<figcaption>{int(tile.reading)}{meant}</figcaption></figure>')
    return f'<div style="display:flex;flex-wrap:wrap;gap:8px">{"".join(cells)}</div>'
