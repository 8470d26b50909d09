import io

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

import mlp
from mlp import preprocessing
from mlp.errors import ImageError


def _seven(size=280, width=20, ink=255, paper=0, box=(70, 50, 210, 240)):
    """A '7' drawn with a round brush: uint8 (size, size)."""
    image = Image.new("L", (size, size), paper)
    left, top, right, bottom = box
    corner = (left + (right - left) * 2 // 7, bottom)
    ImageDraw.Draw(image).line([(left, top), (right, top), corner], fill=ink, width=width,
                               joint="curve")
    return np.asarray(image)


def _check_mnist_format(x):
    assert x.shape == (28, 28) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    rows, cols = np.flatnonzero(x.any(1)), np.flatnonzero(x.any(0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 22  # 20x20 box, plus dilation
    cy, cx = ndimage.center_of_mass(x)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5


@pytest.mark.parametrize("image", [
    np.zeros((280, 280), np.uint8),
    np.full((280, 280, 3), 255, np.uint8),
    np.full((50, 80, 3), (30, 120, 200), np.uint8),
    np.zeros((280, 280, 4), np.uint8),  # a fully transparent canvas
    np.asarray(Image.new("RGB", (100, 100), "gray")),
])
def test_no_ink_gives_none(image):
    assert mlp.preprocess(image) is None


def test_white_on_black_is_in_mnist_format():
    _check_mnist_format(mlp.preprocess(_seven()))


def test_polarity_and_transparency_give_the_same_digit():
    white_on_black = mlp.preprocess(_seven())
    black_on_white = mlp.preprocess(_seven(ink=0, paper=255))
    stroke = _seven()
    transparent = np.zeros((280, 280, 4), np.uint8)
    transparent[..., :3] = 255
    transparent[..., 3] = stroke  # canvas without background: the stroke is only in alpha
    dark_on_transparent = transparent.copy()
    dark_on_transparent[..., :3] = 0
    for other in (black_on_white, mlp.preprocess(transparent), mlp.preprocess(dark_on_transparent)):
        assert np.abs(other - white_on_black).mean() < 0.01


def test_rgb_rgba_and_pil_inputs_agree():
    gray = _seven()
    rgb = np.repeat(gray[..., None], 3, axis=2)
    rgba = np.dstack([rgb, np.full_like(gray, 255)])
    expected = mlp.preprocess(gray)
    for variant in (rgb, rgba, Image.fromarray(rgb)):
        np.testing.assert_allclose(mlp.preprocess(variant), expected, atol=1e-6)


def test_size_and_position_do_not_matter():
    big = mlp.preprocess(_seven())
    small_in_corner = mlp.preprocess(_seven(width=4, box=(10, 10, 38, 48)))  # a fifth of the size
    assert np.corrcoef(small_in_corner.ravel(), big.ravel())[0, 1] > 0.85


def test_aspect_ratio_is_kept():
    bar = np.zeros((280, 280), np.uint8)
    bar[40:240, 130:150] = 255  # a '1': 200 tall, 20 wide
    x = mlp.preprocess(bar)
    cols = np.flatnonzero(x.any(axis=0))
    assert np.flatnonzero(x.any(axis=1)).size == 20 and cols.size <= 4


def test_a_fat_stroke_covering_most_of_the_image_is_still_ink():
    image = Image.new("RGB", (280, 280), "black")
    ImageDraw.Draw(image).ellipse((30, 10, 250, 270), outline="white", width=80)
    x = mlp.preprocess(np.asarray(image))
    assert x[12:16, 12:16].mean() < 0.1  # the hole of the 0 stays empty
    assert x[8:20, 7:10].mean() > 0.5  # its left side is ink


def test_a_stray_dot_far_away_is_ignored():
    clean = _seven()
    dotted = clean.copy()
    dotted[255:262, 5:12] = 255
    np.testing.assert_allclose(mlp.preprocess(dotted), mlp.preprocess(clean), atol=1e-6)


def test_thin_strokes_do_not_vanish():
    x = mlp.preprocess(_seven(width=2))
    assert x.max() == pytest.approx(1.0, abs=0.05)
    assert preprocessing.stroke_width(x) >= 1.8


def test_paper_noise_is_not_ink():
    rng = np.random.default_rng(0)
    paper = (rng.normal(210, 6, (300, 400))).clip(0, 255)
    image = paper.copy()
    image[_seven(size=400, width=14, box=(120, 40, 260, 250))[:300] > 0] = 40
    x = mlp.preprocess(image.astype(np.uint8))
    clean = mlp.preprocess(_seven(size=400, width=14, box=(120, 40, 260, 250))[:300])
    assert np.abs(x - clean).mean() < 0.03


def test_real_mnist_digits_come_back_essentially_unchanged(mnist):
    digits = mnist.x_test[:500]
    out = np.stack([mlp.preprocess(d) for d in digits])
    reference = mlp.as_model_input(digits)
    per_image = np.abs(out - reference).mean(axis=(1, 2))
    assert per_image.mean() < 0.002
    assert np.mean(per_image < 1e-6) > 0.8  # most are returned exactly


def test_an_mnist_digit_drawn_large_reads_as_itself(mnist, classic_model):
    digit = mnist.x_test[0]
    large = np.asarray(Image.fromarray(digit).resize((280, 280), Image.Resampling.BICUBIC))
    x = mlp.preprocess(large)
    assert np.corrcoef(x.ravel(), mlp.as_model_input(digit).ravel())[0, 1] > 0.9
    assert mlp.predict_proba(classic_model, x).argmax() == mnist.y_test[0]


def _png(image) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def test_open_image_reads_png_bytes_and_paths(tmp_path):
    data = _png(_seven())
    path = tmp_path / "seven.png"
    path.write_bytes(data)
    for source in (data, path, str(path), io.BytesIO(data)):
        assert mlp.open_image(source).size == (280, 280)


@pytest.mark.parametrize("content, message", [
    (b"hello, I am a text file", "not an image"),
    (None, "damaged"),  # a PNG cut in half
])
def test_open_image_explains_bad_files(tmp_path, content, message):
    if content is None:
        content = _png(_seven())[:300]
    with pytest.raises(ImageError, match=message):
        mlp.open_image(content)


def test_open_image_missing_file(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        mlp.open_image(tmp_path / "nothing.png")


def test_huge_images_are_refused_before_decoding(monkeypatch):
    monkeypatch.setattr(preprocessing, "MAX_PIXELS", 100 * 100)
    with pytest.raises(ImageError, match="too large"):
        mlp.open_image(_png(np.zeros((200, 200), np.uint8)))
    with pytest.raises(ImageError, match="too large"):
        mlp.preprocess(np.zeros((200, 200), np.uint8))


def test_decompression_bomb_is_refused():
    # A 20000 x 20000 PNG is a few hundred KB on disk and 400 MB decoded.
    header = Image.new("1", (20000, 20000))
    buffer = io.BytesIO()
    header.save(buffer, format="PNG")
    with pytest.raises(ImageError, match="too large"):
        mlp.open_image(buffer.getvalue())


def test_large_photos_are_reduced_before_work():
    photo = np.full((3000, 4000), 230, np.uint8)
    photo[500:2500, 1800:2100] = 20  # a '1' on paper
    x = mlp.preprocess(photo)
    _check_mnist_format(x)


def test_bad_array_shapes_are_explained():
    with pytest.raises(ImageError, match="expected an array"):
        mlp.preprocess(np.zeros((28, 28, 2), np.uint8))


def _in_mode(mode: str) -> tuple[Image.Image, str]:
    """The same dark-on-paper '7' as a file in `mode` -> (image, format to save it in)."""
    ink = _seven(ink=20, paper=235).astype(np.float64) / 255.0  # 0..1, paper bright
    alpha = (ink < 0.5).astype(np.uint8) * 255  # opaque where the ink is
    if mode == "I;16":
        return Image.fromarray((ink * 65535).astype(np.uint16)), "PNG"  # mode I;16
    if mode == "I":
        return Image.fromarray((ink * 65535).astype(np.int32), "I"), "TIFF"
    if mode == "F":
        return Image.fromarray(ink.astype(np.float32), "F"), "TIFF"
    grey = Image.fromarray((ink * 255).astype(np.uint8), "L")
    if mode == "LA":
        return Image.merge("LA", (grey, Image.fromarray(alpha))), "PNG"
    if mode == "RGBA":
        rgba = grey.convert("RGBA")
        rgba.putalpha(Image.fromarray(alpha))
        return rgba, "PNG"
    if mode == "CMYK":
        return grey.convert("RGB").convert("CMYK"), "TIFF"
    return grey.convert(mode), "PNG"


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F"])
def test_every_image_mode_reads_the_same_digit(mode, classic_model):
    """A digit saved in any mode Pillow opens reads as the 8-bit greyscale one does."""
    reference, _ = _in_mode("L")
    expected = mlp.predict_proba(classic_model, mlp.preprocess(reference))
    image, file_format = _in_mode(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=file_format)
    opened = mlp.open_image(buffer.getvalue())
    assert opened.mode == image.mode or (mode == "I" and opened.mode.startswith("I"))
    x = mlp.preprocess(opened)
    assert x is not None
    probabilities = mlp.predict_proba(classic_model, x)
    assert probabilities.argmax() == expected.argmax() == 7
    tolerance = 0.15 if mode == "1" else 0.02  # a 1-bit picture loses the anti-aliased edge
    np.testing.assert_allclose(probabilities, expected, atol=tolerance)


def test_16_bit_images_are_scaled_by_their_range_not_clipped():
    image, _ = _in_mode("I;16")
    eight = preprocessing.as_8bit(image)
    assert eight.mode == "L"
    values = np.asarray(eight)
    assert values.min() < 30 and values.max() > 220  # both the ink and the paper survive


@pytest.mark.parametrize("file_format", ["JPEG", "PNG"])
def test_a_large_photo_is_reduced_and_still_turned_upright(file_format):
    """A 2000x1000 photo taken with the phone turned (EXIF orientation 6) comes back portrait, at most
    the working side long: it is reduced first, then turned, and the turn is not lost on the way."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to view upright
    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), "white").save(buffer, format=file_format, exif=exif.tobytes())
    assert mlp.open_image(buffer.getvalue()).size == (preprocessing.WORK_SIDE // 2, preprocessing.WORK_SIDE)


def _brightness_by_matrix_product(pixels: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 4) -> float32 (H, W): the ITU-R 601 brightness of the whole image at once."""
    return pixels[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


@pytest.mark.parametrize("seed", range(4))
def test_the_box_drawn_in_8_bits_holds_every_pixel_that_can_be_ink(seed):
    """Where a pixel's float brightness differs from the background in the ink's direction, the 8-bit
    mask the box is drawn from has it too: for grey and colour pixels, dark and light backgrounds,
    backgrounds that fall on a level, between two, and at either end of the range."""
    rng = np.random.default_rng(seed)
    colour = rng.integers(0, 256, (64, 64, 4), dtype=np.uint8)
    colour[..., 3] = 255
    grey = colour.copy()
    grey[..., 1] = grey[..., 2] = grey[..., 0]
    for pixels in (colour, grey):
        brightness = _brightness_by_matrix_product(pixels)
        for background in (0.0, 0.3, 1.0, 17.5, 127.9, 128.0, 200.2, 254.99, 255.0, *brightness[:2, 0]):
            dark = background < 128
            could = preprocessing._could_be_ink(pixels, float(background), dark)
            ink = brightness > background if dark else brightness < background
            assert not (ink & ~could).any(), (background, dark)
            assert preprocessing._could_be_ink(pixels[..., 0].copy(), float(background), dark).sum() == \
                np.count_nonzero(pixels[..., 0] > background if dark else pixels[..., 0] < background)


def test_a_canvas_drawing_reads_exactly_the_same_wherever_it_lies():
    """A stroke on the canvas is boxed before its brightness is computed: moved across a canvas, or put
    on a larger one, it gives the very same 28x28 input, to the last bit."""
    stroke = _seven(size=280, box=(20, 20, 160, 210))[:240, :190]  # the whole stroke, and a margin
    readings = []
    for side, top, left in ((280, 0, 0), (280, 40, 90), (400, 150, 200)):
        canvas = np.zeros((side, side, 4), np.uint8)
        canvas[..., 3] = 255
        canvas[top : top + 240, left : left + 190, :3] = stroke[..., None]
        readings.append(mlp.preprocess(Image.fromarray(canvas, "RGBA")))
    for other in readings[1:]:
        np.testing.assert_array_equal(other, readings[0])


def test_a_grey_levels_brightness_rises_with_the_level():
    """The ink of a grey image is worked out once per level, its strongest taken at the brightest
    (or darkest) level present: that holds only while brightness rises with the level."""
    for table in (preprocessing._GREY, preprocessing._LEVELS):
        assert table.shape == (256,) and np.all(np.diff(table) > 0)
    levels = np.arange(256, dtype=np.uint8)
    np.testing.assert_allclose(preprocessing._GREY, _brightness_by_matrix_product(
        np.stack([levels, levels, levels, levels], -1)[None])[0], rtol=0, atol=1e-4)


@pytest.mark.parametrize("count", [1, 2, 7, 1116, 1117])
def test_the_background_median_is_numpys(count):
    """The median an image's edge gives its background is np.median's, to the bit (even counts: the
    mean of the middle two in float32), on smooth values, whole levels and ties."""
    rng = np.random.default_rng(count)
    for values in (rng.random(count) * 255, np.round(rng.random(count) * 3), np.zeros(count)):
        values = values.astype(np.float32)
        assert preprocessing._median(values) == float(np.median(values))
