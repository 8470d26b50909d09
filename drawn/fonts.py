"""Digits in handwriting fonts: hands that drew the digits once, for a font, and never for us.

Debian packages fonts that imitate a person's hand. Each font's digits are drawn under the
drawn set's conditions (scaled, tilted, rebrushed, on paper ...), like an MNIST digit. Some
fonts are held out: never trained on, they measure hands the model has never seen. Which
ones was decided before any model was scored on them, a whole family at a time except for
the Because We Have Talent fonts, each of which is another person's hand.

The fonts are optional: nothing that serves the page reads them, and a missing font is
left out of a set (and named) rather than failing it; only a training set refuses to be
drawn without all its fonts, so that the same command always gives the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from drawn.conditions import CONDITIONS
from drawn.render import draw_image
from drawn.streams import rng_for

FONT_FOLDER = Path("/usr/share/fonts")  # where Debian installs them
PACKAGES = ("fonts-dkg-handwriting fonts-humor-sans fonts-comic-neue fonts-breip fonts-bwht "
            "fonts-kiloji fonts-dancingscript fonts-kaushanscript")
GLYPH_SIZE = 160  # points: large enough that scaling a glyph down loses nothing
FONT_VERSION = "2"  # bumped whenever a seed's font drawings change


@dataclass(frozen=True)
class Font:
    """One handwriting font: its file under FONT_FOLDER, and whether training may see it."""

    file: str  # path under FONT_FOLDER
    held_out: bool = False


def _family(folder: str, *names: str, held_out: bool = False) -> dict[str, Font]:
    return {Path(name).stem: Font(f"{folder}/{name}", held_out) for name in names}


# Left out: femkeklaver, whose digits are outlines, as no hand writes a digit.
FONTS: dict[str, Font] = {
    **_family("truetype/fifthhorseman", "dkg.ttf", "dkgBd.ttf", "dkgIt.ttf", "dkgBI.ttf"),
    **_family("opentype/comic-neue", "ComicNeue-Regular.otf", "ComicNeue-Bold.otf",
              "ComicNeue-Italic.otf", "ComicNeue-BoldItalic.otf", "ComicNeue-Light.otf",
              "ComicNeue-LightItalic.otf"),
    **_family("opentype/bwht", "BecauseWeBuild-Regular.otf", "BecauseWeConnect-Regular.otf",
              "BecauseWeCreate-Regular.otf", "BecauseWeMentor-Regular.otf"),
    **_family("truetype/kiloji", "kiloji.ttf", "kiloji_b.ttf", "kiloji_d.ttf", "kiloji_p.ttf"),
    **_family("opentype/dancingscript", "DancingScript-Regular.otf", "DancingScript-Bold.otf"),
    # Held out: never in a training set.
    **_family("truetype/humor-sans", "Humor-Sans.ttf", held_out=True),
    **_family("opentype/kaushanscript", "KaushanScript-Regular.otf", held_out=True),
    **_family("truetype/breip", "Breip.ttf", "breipfont.ttf", held_out=True),
    **_family("opentype/bwht", "BecauseWeLearn-Regular.otf", "BecauseWeOrganize-Regular.otf",
              held_out=True),
}


def installed(names: list[str] | None = None) -> list[str]:
    """The fonts of `names` (default: all) whose files are on this machine."""
    return [name for name in (names or list(FONTS)) if (FONT_FOLDER / FONTS[name].file).is_file()]


def glyph(name: str, digit: int) -> np.ndarray:
    """A font's digit -> (h, w) uint8, white on black, cropped to its ink with a margin."""
    font = ImageFont.truetype(str(FONT_FOLDER / FONTS[name].file), GLYPH_SIZE)
    left, top, right, bottom = font.getbbox(str(digit))
    image = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(image).text((4 - left, 4 - top), str(digit), font=font, fill=255)
    return np.asarray(image, dtype=np.uint8)


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to a single bool
class FontSet:
    """Font digits drawn under the conditions: each with its label, font and condition."""

    images: tuple[np.ndarray, ...]  # uint8 images as the drawn-digit set's (see CONDITIONS)
    labels: np.ndarray  # (n,) int64
    fonts: np.ndarray  # (n,) str, one of FONTS
    conditions: np.ndarray  # (n,) str, one of CONDITIONS
    seed: int
    per_condition: int  # drawings of each font per condition, labels cycling 0-9
    missing: tuple[str, ...]  # fonts asked for but not installed, so not drawn

    def __len__(self) -> int:
        return len(self.images)


def make_font_set(per_condition: int = 20, seed: int = 0,
                  names: list[str] | None = None) -> FontSet:
    """Each installed font of `names` (default: all) under each condition, labels cycling 0-9;
    every font and condition draws from a stream of its own."""
    names = names or list(FONTS)
    present = installed(names)
    images, labels, fonts, conditions = [], [], [], []
    for name in present:
        glyphs = [glyph(name, digit) for digit in range(10)]
        for condition_name, condition in CONDITIONS.items():
            rng = rng_for("test", seed, "font", name, condition_name)
            for i in range(per_condition):
                images.append(draw_image(glyphs[i % 10], condition, rng))
                labels.append(i % 10)
                fonts.append(name)
                conditions.append(condition_name)
    return FontSet(tuple(images), np.asarray(labels, dtype=np.int64), np.asarray(fonts, dtype=str),
                   np.asarray(conditions, dtype=str), seed, per_condition,
                   tuple(name for name in names if name not in present))


def training_fonts() -> list[str]:
    """The fonts a training set may draw from: all but the held-out ones."""
    return [name for name, font in FONTS.items() if not font.held_out]
