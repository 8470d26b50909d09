"""Turn any drawing or image of a digit into the model's input, the way MNIST was made.

MNIST digits were size-normalised to fit a 20x20 box (keeping the aspect ratio, anti-aliased)
and placed in a 28x28 field so that their centre of mass sits at the centre. `preprocess`
does the same to a canvas drawing, a photo of paper, a scan or an MNIST digit, so training,
the page, uploads and the command line all feed the model one kind of image.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

from mlp.errors import ImageError
from mlp.i18n import _, number
from mlp.shapes import SIZE

BOX = 20  # the digit is scaled to fit a BOX x BOX square, as in MNIST
MAX_PIXELS = 50_000_000  # refuse larger images: a digit photo never needs more
# Refuse images whose decoded pixels take more: a 12-megapixel photo as an RGB PNG takes 46 MB, a
# page scanned at 600 dpi in greyscale 35 MB; a phone's JPEG is decoded reduced, far below it.
MAX_DECODED_BYTES = 64 * 2**20
WORK_SIDE = 560  # larger inputs are reduced to this long side before any work
MIN_CONTRAST = 40  # ink must differ from the background by this many of 255 levels
NOISE_SPREADS = 6.0  # ink within this many median deviations of the background is noise
STRAY_FRACTION = 0.04  # a blob with less ink than this share of the total is a stray mark
# Stroke width, in pixels of the 20x20 box. MNIST test digits measure 2.1 to 4.1 (5th to 95th
# percentile, stroke_width); with a margin on each side they pass unchanged, while strokes
# outside the range are thickened or thinned into it.
STROKE_MIN, STROKE_MAX = 1.7, 4.5


def preprocess(image: Image.Image | np.ndarray) -> np.ndarray | None:
    """Any digit image -> (28, 28) float32 in [0, 1], white on black; None when there is no ink.

    Accepts a PIL image or a uint8 array (H, W), (H, W, 3) or (H, W, 4) of any size:
    white ink on black, dark ink on white paper, or ink on a transparent background.
    """
    ink = ink_map(image)
    if ink is None:
        return None
    ink = _drop_stray_marks(ink)
    ink = crop_to_ink(ink)
    ink = _normalise_stroke(ink)
    return _place_by_centre_of_mass(_fit_box(ink))


def open_image(source: str | os.PathLike | bytes | BinaryIO, max_side: int | None = None,
               formats: tuple[str, ...] | None = None) -> Image.Image:
    """Read an image file (path, bytes or file object) with bounded memory -> PIL image, upright per EXIF.

    Its size and mode come from the header, and are checked before any pixel is decoded: at most
    MAX_PIXELS, and at most MAX_DECODED_BYTES once decoded (a JPEG is decoded reduced, as `draft`
    allows). An image larger than WORK_SIDE comes back reduced to it, in its own mode. With
    `max_side`, an image with a longer side is refused; with `formats`, one in another format.
    Raises ImageError for a file that is not an image or is refused; its message does not repeat
    the file's name, which the caller knows and shows.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source)  # reads the header only
            if formats is not None and image.format not in formats:
                raise ImageError(_("a {found} file, not {expected}").format(found=image.format,
                                                                            expected=" / ".join(formats)))
            if max_side is not None and max(image.size) > max_side:
                raise ImageError(_("{width}x{height} pixels is larger than {most} pixels a side").format(
                    width=image.width, height=image.height, most=max_side))
            _check_size(image.width, image.height)
            image.draft("L", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at reduced scale, cheaply
            _check_decoded_bytes(image)
            image.load()
            image = ImageOps.exif_transpose(_reduced(image))  # turned after reducing: a smaller copy
    except FileNotFoundError:
        raise ImageError(_("no such file")) from None
    except IsADirectoryError:
        raise ImageError(_("a folder, not an image")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(_("the image is too large to read safely")) from None
    except UnidentifiedImageError:
        raise ImageError(_("not an image (PNG or JPEG expected)")) from None
    except (OSError, ValueError, SyntaxError) as err:
        raise ImageError(_("the image is damaged and cannot be read ({error})").format(error=err)) from None
    return image


def _bytes_per_pixel(mode: str) -> int:
    """What Pillow holds per pixel of `mode` once decoded (a palette image counted as converted)."""
    if mode in ("1", "L"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _check_decoded_bytes(image: Image.Image) -> None:
    """Refuse an image whose pixels would take more than MAX_DECODED_BYTES: a small PNG or TIFF
    of huge size, 16-bit or float, decodes to hundreds of MB before anything could reduce it."""
    needed = image.width * image.height * _bytes_per_pixel(image.mode)
    if needed > MAX_DECODED_BYTES:
        raise ImageError(_(
            "{width}x{height} pixels is too large to read at this depth ({needed} MB decoded, at most {most} MB); "
            "crop it to the digit, or save it as an 8-bit PNG or a JPEG").format(
            width=image.width, height=image.height, needed=number(needed / 2**20), most=MAX_DECODED_BYTES // 2**20))


def _reduced(image: Image.Image) -> Image.Image:
    """An image with a side over WORK_SIDE -> reduced to fit WORK_SIDE, area-averaged, in its own mode
    (16-bit and float stay so: their range is stretched afterwards, on the small image)."""
    if max(image.size) <= WORK_SIDE:
        return image
    if image.mode == "1":  # Pillow resizes these by nearest neighbour, which drops thin strokes
        image = image.convert("L")
    elif image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    scale = WORK_SIDE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BOX)


def ink_map(image: Image.Image | np.ndarray) -> np.ndarray | None:
    """Image -> (h, w) float32 ink in [0, 1] (1 = strongest ink) inside a box that holds all of it
    (there is none outside it), or None when blank.

    The background is the brightness most of the image's edge has, so dark ink on white and
    white ink on black both work; where the image is transparent, the ink is what is opaque.
    An opaque image is boxed in its own 8 bits before any float work, and a grey one (a canvas
    drawing, a scan) has the ink of each of its 256 levels worked out once and looked up.
    """
    pixels = _as_array(image)
    levels = None  # each pixel's grey level, when the ink is worked out level by level
    if pixels.ndim == 3 and not _opaque(pixels):  # its backdrop depends on every pixel: all in floats
        luminance = _luminance(pixels)
        edge = _edge(luminance)
        background, dark = _background(edge)
        luminance = luminance[_box(luminance > background if dark else luminance < background)]
    else:
        colour = pixels.ndim == 3
        edge = _brightness(_edge(pixels), colour)
        background, dark = _background(edge)
        boxed = pixels[_box(_could_be_ink(pixels, background, dark))]
        levels = _grey_levels(boxed)
        if levels is None:  # colour: pixel by pixel
            luminance = _brightness(boxed, colour=True)
        else:  # grey: each of the 256 levels once (the tables rise with the level)
            luminance = _GREY if colour else _LEVELS
    if (luminance if levels is None else levels).size == 0:  # nothing differs from the background
        return None
    ink = luminance - background if dark else background - luminance
    strongest = float(ink.max() if levels is None else ink[levels.max() if dark else levels.min()])
    if strongest < MIN_CONTRAST:
        return None
    # Paper and sensor noise: ink no stronger than the edge's own spread is not ink.
    # A drawn canvas or an MNIST digit has a flat background, so nothing is lost there.
    spread = _median(np.abs(edge - background))
    floor = min(NOISE_SPREADS * spread, 0.5 * strongest)
    ink = (ink - floor) / (strongest - floor)
    np.clip(ink, 0.0, 1.0, out=ink)
    return ink if levels is None else ink.take(levels)


def _background(edge: np.ndarray) -> tuple[float, bool]:
    """The brightness of the image's edge pixels -> (the background's brightness, whether it is dark).

    The background is what the image's edge mostly shows: a digit may cover most of the image (a fat
    stroke), but it seldom covers most of the edge. On a dark one the ink is light, and the other way.
    """
    background = _median(edge)
    return background, background < 128


def _median(values: np.ndarray) -> float:
    """A 1-D float32 array's median, as np.median gives it (the mean of the middle two, in float32),
    in a quarter of its time: a stroke finds two."""
    half = len(values) // 2
    if len(values) % 2:
        return float(np.partition(values, half)[half])
    low, high = np.partition(values, (half - 1, half))[half - 1 : half + 1]
    return float((low + high) / np.float32(2))


def _grey_levels(pixels: np.ndarray) -> np.ndarray | None:
    """uint8 (h, w) grey or (h, w, 4) RGBA -> (h, w) each pixel's grey level; None when one has colour."""
    if pixels.ndim == 2:
        return pixels
    red = pixels[..., 0]
    return red if np.array_equal(red, pixels[..., 1]) and np.array_equal(red, pixels[..., 2]) else None


def _edge(pixels: np.ndarray) -> np.ndarray:
    """(H, W, ...) -> (2H + 2W - 4, ...): the pixels along the image's border, each once."""
    return np.concatenate([pixels[0], pixels[-1], pixels[1:-1, 0], pixels[1:-1, -1]])


# An RGBA pixel's colour bytes, and its alpha byte, as masks on the pixel read as one 32-bit word.
_RGB_BYTES = np.array([255, 255, 255, 0], np.uint8).view(np.uint32)[0]
_ALPHA_BYTES = np.array([0, 0, 0, 255], np.uint8).view(np.uint32)[0]


def _opaque(pixels: np.ndarray) -> bool:
    """uint8 (H, W, 4) -> whether no pixel is see-through at all (every alpha is 255)."""
    if not pixels.flags.c_contiguous:
        return bool(pixels[..., 3].min() == 255)
    # The AND of every pixel's word keeps alpha's byte at 255 only if every pixel has it: one pass
    # over whole words, five times faster than the smallest of every fourth byte.
    return bool(np.bitwise_and.reduce(pixels.view(np.uint32), axis=None) & _ALPHA_BYTES == _ALPHA_BYTES)


def _could_be_ink(pixels: np.ndarray, background: float, dark: bool) -> np.ndarray:
    """uint8 (H, W) or opaque (H, W, 4) -> (H, W) bool: each pixel whose brightness may differ from
    the background in the ink's direction, judged in 8 bits (a few more than do, never fewer).

    A colour's brightness is a weighted mean of R, G and B: it lies between the smallest of the three
    and the largest, give or take float32's rounding (under 1e-4 of 255 levels), which `margin`
    covers; a grey level is its brightness exactly. Thresholds are whole numbers, so that no 8-bit
    channel is turned into floats to be compared.
    """
    margin = 1e-3 if pixels.ndim == 3 else 0.0
    if dark:  # brighter than the background; black is exactly 0 bright, never brighter
        limit = max(math.floor(background - margin), 0)
        if pixels.ndim == 3 and limit == 0 and pixels.flags.c_contiguous:
            # The canvas's case, black behind the strokes: any colour at all, each pixel read as one
            # 32-bit word, four times faster than the largest of three channels.
            return (pixels.view(np.uint32)[..., 0] & _RGB_BYTES) != 0
    else:
        ceiling = background + margin  # darker than the background
        if ceiling > 255:
            return np.ones(pixels.shape[:2], bool)
        limit = math.ceil(ceiling)
    if pixels.ndim == 3:
        red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
        level = np.maximum(np.maximum(red, green), blue) if dark else np.minimum(np.minimum(red, green), blue)
    else:
        level = pixels
    return level > limit if dark else level < limit


def _box(mask: np.ndarray) -> tuple[slice, slice]:
    """(H, W) bool -> the smallest (rows, columns) slices holding every True (empty when none is)."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return slice(0, 0), slice(0, 0)
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _as_array(image: Image.Image | np.ndarray) -> np.ndarray:
    """PIL image or array -> uint8 array (H, W) or (H, W, 4), reduced to WORK_SIDE at most."""
    if isinstance(image, np.ndarray):
        if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
            raise ImageError(f"expected an array (H, W), (H, W, 3) or (H, W, 4), got {image.shape}")
        _check_size(image.shape[1], image.shape[0])
        if image.dtype != np.uint8:
            if np.issubdtype(image.dtype, np.floating) and image.size and image.max() <= 1.0:
                image = image * 255.0  # a float image in [0, 1]
            image = np.clip(image, 0, 255).astype(np.uint8)
        image = Image.fromarray(image)
    elif not isinstance(image, Image.Image):
        raise ImageError(f"expected a PIL image or a numpy array, got {type(image).__name__}")
    _check_size(image.width, image.height)
    image = as_8bit(_reduced(image))  # reduced first: 16-bit and float are stretched on the small image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if has_alpha else "L"
    return np.asarray(image if image.mode == mode else image.convert(mode))  # the canvas's is RGBA: no copy


LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601 weights of R, G and B
_LEVELS = np.arange(256, dtype=np.float32)  # a grey image's brightness is its level
# A grey RGBA pixel's brightness by level, rounded as the matrix product over a whole image rounds it:
# a canvas's white strokes on black are grey, and boxed first they must read exactly as they did whole.
_GREY = np.repeat(_LEVELS[:, None], 3, axis=1) @ LUMA


def _brightness(pixels: np.ndarray, colour: bool) -> np.ndarray:
    """uint8 grey (...) or RGBA (..., 4) pixels, alpha ignored -> float32 (...) brightness in [0, 255]."""
    if not colour:
        return pixels.astype(np.float32)
    red = pixels[..., 0]
    if np.array_equal(red, pixels[..., 1]) and np.array_equal(red, pixels[..., 2]):  # grey
        return _GREY.take(red)
    # Colour: a weighted sum channel by channel, twice as fast as a matrix product over a last axis
    # of 3; the two differ in float32's last bit only, as the product does from one column to the next.
    gray = red * LUMA[0]
    gray += pixels[..., 1] * LUMA[1]
    gray += pixels[..., 2] * LUMA[2]
    return gray


def _luminance(array: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 4) -> float32 (H, W) brightness in [0, 255], laid over a backdrop where see-through.

    The backdrop contrasts with the opaque part, so white strokes on a transparent canvas and black
    ink on a transparent scan both show.
    """
    gray = array[..., :3].astype(np.float32) @ LUMA
    alpha = array[..., 3].astype(np.float32) / 255.0
    weight = alpha.sum()
    mean_opaque = float((gray * alpha).sum() / weight) if weight else 0.0
    backdrop = 0.0 if mean_opaque >= 128 else 255.0
    return gray * alpha + backdrop * (1.0 - alpha)


def as_8bit(image: Image.Image) -> Image.Image:
    """A 16-bit, 32-bit or float greyscale image -> 8-bit 'L', stretched over its own range.

    Pillow's own conversion clips such images at 255, which turns a 16-bit digit into a solid
    block; and a scan may use only 0-4095 of 0-65535. A flat image comes back mid-grey. Other
    modes are returned as they are. The page shows an upload back through this too.
    """
    if image.mode not in ("I", "F") and not image.mode.startswith("I;"):
        return image
    # float32, in place: at full size each float64 temporary of a 49-megapixel image took 390 MB
    pixels = np.nan_to_num(np.array(image, dtype=np.float32), copy=False)
    low, high = float(pixels.min()), float(pixels.max())
    if high <= low:
        return Image.new("L", image.size, 128)
    pixels -= low
    pixels *= 255.0 / (high - low)
    return Image.fromarray(np.rint(pixels, out=pixels).astype(np.uint8), "L")


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(_("{width}x{height} pixels is too large (at most {most} megapixels); crop it to the digit")
                         .format(width=width, height=height, most=MAX_PIXELS // 1_000_000))


def _drop_stray_marks(ink: np.ndarray) -> np.ndarray:
    """Erase separate blobs holding a tiny share of the ink (a stray dot, a speck of dirt)."""
    labels, count = ndimage.label(ink > 0)
    if count <= 1:
        return ink
    mass = ndimage.sum_labels(ink, labels, index=np.arange(1, count + 1))
    keep = mass >= STRAY_FRACTION * mass.sum()
    keep[np.argmax(mass)] = True
    return np.where(np.concatenate([[False], keep])[labels], ink, 0.0).astype(np.float32)


def crop_to_ink(ink: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """(H, W) ink -> the smallest box holding every pixel above `floor` (a view, not a copy)."""
    inked = ink > floor
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width in pixels of a cropped ink map: twice the area over the outline length."""
    mask = ink > 0.5
    area = int(np.count_nonzero(mask))
    if area == 0:
        return 0.0
    # The outline is what a binary erosion by the 4-neighbour cross takes away (outside the map
    # counts as blank); written as shifts of the padded mask, a few times faster than ndimage's.
    padded = np.pad(mask, 1)
    kept = mask & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    outline = area - int(np.count_nonzero(kept))
    return 2.0 * area / max(outline, 1)


def _normalise_stroke(ink: np.ndarray) -> np.ndarray:
    """Thicken strokes that would vanish at 28x28, thin ones that would fill the digit.

    Widths are judged as they will be after scaling to the 20x20 box; MNIST digits fall
    within [STROKE_MIN, STROKE_MAX] and pass unchanged.
    """
    scale = BOX / max(ink.shape)
    width = stroke_width(ink) * scale
    if width == 0.0 or STROKE_MIN <= width <= STROKE_MAX:
        return ink
    target = STROKE_MIN if width < STROKE_MIN else STROKE_MAX
    radius = int(round(abs(target - width) / scale / 2.0))
    if radius == 0:
        return ink
    footprint = disk(radius)
    if width < STROKE_MIN:
        padded = np.pad(ink, radius)
        return ndimage.grey_dilation(padded, footprint=footprint)
    thinned = ndimage.grey_erosion(ink, footprint=footprint)
    return crop_to_ink(thinned) if thinned.max() > 0.5 else ink


def disk(radius: int) -> np.ndarray:
    """Bool (2r + 1, 2r + 1) footprint of a round brush of radius `radius` pixels."""
    y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    return x * x + y * y <= radius * radius


def _fit_box(ink: np.ndarray) -> np.ndarray:
    """Scale so the longer side is BOX pixels, keeping the aspect ratio (area-averaged)."""
    height, width = ink.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resample = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    fitted = Image.fromarray(ink).resize(size, resample)
    return np.clip(np.asarray(fitted, dtype=np.float32), 0.0, 1.0)


def _place_by_centre_of_mass(digit: np.ndarray) -> np.ndarray:
    """Paste into a 28x28 field so the centre of mass lands on the field's centre."""
    field = np.zeros((SIZE, SIZE), dtype=np.float32)
    height, width = digit.shape
    cy, cx = ndimage.center_of_mass(digit)
    top = int(np.clip(round(SIZE / 2 - cy), 0, SIZE - height))
    left = int(np.clip(round(SIZE / 2 - cx), 0, SIZE - width))
    field[top : top + height, left : left + width] = digit
    return field
