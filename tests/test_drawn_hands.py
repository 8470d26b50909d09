"""Hands the model never saw: the styles of issue 25, handwriting fonts, closed outlines that
are not a 0, and the set versions that say which drawings a figure was taken on."""

import numpy as np
import pytest

from drawn.conditions import CONDITIONS
from drawn.dataset import strokes_as_drawn
from mlp.preprocessing import preprocess

NEW_STYLES = {  # the issue's rows: digit -> the styles written as those writers write them
    4: ["4_che", "4_che_short_stem", "4_che_one_stroke"],
    9: ["9_flat_loop", "9_open_loop", "9_open_hooked"],
    2: ["2_z", "2_z_narrow", "2_z_flat_top"],
    7: ["7_continental_curved", "7_continental_short", "7_continental_serif_curved"],
    1: ["1_long_flag_curved_base", "1_long_flag_wide_base"],
    5: ["5_short_bar_joined", "5_short_bar_last", "5_joined_round"],
}


def test_each_row_of_the_issue_has_styles_to_train_on_and_one_held_out():
    from drawn.strokes import digit_styles

    styles = digit_styles()
    for digit, names in NEW_STYLES.items():
        assert all(styles[name].digit == digit for name in names)
        held_out = [name for name in names if styles[name].held_out]
        assert len(held_out) == (0 if digit == 1 else 1), digit  # the 1's: 1_long_flag_base
        assert len(names) - len(held_out) >= 2, digit
    assert styles["1_long_flag_base"].held_out


def test_the_ch_like_4_is_open_at_the_top_and_the_z_like_2_has_a_flat_base():
    """Proportions as written: where the strokes of two of the new styles start and stop."""
    from drawn.strokes import digit_styles

    styles = digit_styles()
    left_arm, stem = styles["4_che_short_stem"].strokes
    assert stem[0, 0] - left_arm[0, 0] > 0.5  # wide open at the top
    assert abs(left_arm[-1, 0] - stem[0, 0]) < 0.05  # the curve runs into the stem
    assert left_arm[0, 1] < stem[0, 1] < left_arm[-1, 1]  # which starts lower than the left stroke
    z = styles["2_z"].strokes[0]
    base = z[z[:, 1] > 0.99]
    assert np.ptp(base[:, 0]) > 0.45 and np.ptp(z[:, 0]) < 0.6  # flat base, a narrow digit
    assert z[0, 1] < 0.15  # it starts at the top: no curl hanging down at the top-left


def test_every_style_gets_at_least_100_drawings_in_the_current_set_version():
    from drawn.strokes import styles_of
    from drawn.versions import DRAWN_SET

    # Counted on a small set: each round of 0-9 takes the next style of each digit.
    drawn = strokes_as_drawn(per_condition=90, seed=0)
    for name in styles_of(4):
        assert (drawn.styles == name).sum() == len(CONDITIONS) * 90 // 10 // len(styles_of(4))
    rounds = DRAWN_SET.per_condition // 10
    for digit in range(10):
        assert rounds // len(styles_of(digit)) * len(CONDITIONS) >= 100, digit


def test_a_new_style_moves_no_other_styles_drawings(monkeypatch):
    import drawn.dataset
    from drawn.strokes import Style, _line, digit_styles

    before = strokes_as_drawn(per_condition=100, seed=0)
    with_one_more = {**digit_styles(), "4_new": Style(4, [_line((0.2, 0.0), (0.8, 1.0))])}
    monkeypatch.setattr(drawn.dataset, "digit_styles", lambda: with_one_more)
    monkeypatch.setattr(drawn.dataset, "styles_of", lambda digit: [
        name for name, style in with_one_more.items() if style.digit == digit])
    after = strokes_as_drawn(per_condition=100, seed=0)  # ten rounds: the 4's ten styles
    assert "4_new" in set(after.styles)
    for name in ("4_closed", "4_che", "7_plain", "0_oval"):
        for condition in ("centred", "finger"):
            old = [image for image, style, c in zip(before.images, before.styles, before.conditions)
                   if style == name and c == condition]
            new = [image for image, style, c in zip(after.images, after.styles, after.conditions)
                   if style == name and c == condition]
            assert new and all(np.array_equal(a, b) for a, b in zip(old, new)), name


def test_set_versions_are_declared_in_order_and_the_modules_report_the_last():
    from drawn.dataset import GENERATOR_VERSION
    from drawn.not_digits import NOT_DIGIT_VERSION
    from drawn.versions import DRAWN_SET_VERSIONS, NOT_DIGIT_SET_VERSIONS

    for versions in (DRAWN_SET_VERSIONS, NOT_DIGIT_SET_VERSIONS):
        numbers = [int(v.version) for v in versions]
        assert numbers == sorted(set(numbers)) and all(v.change for v in versions)
    assert GENERATOR_VERSION == DRAWN_SET_VERSIONS[-1].version == "5"
    assert NOT_DIGIT_VERSION == NOT_DIGIT_SET_VERSIONS[-1].version


# --- handwriting fonts (CI installs them; the page never reads them)


def test_every_font_is_installed_and_draws_ten_distinct_digits():
    from drawn.fonts import FONTS, glyph, installed

    assert installed() == list(FONTS)
    for name in FONTS:
        glyphs = [glyph(name, digit) for digit in range(10)]
        assert all(g.dtype == np.uint8 and g.max() == 255 for g in glyphs), name
        inputs = [preprocess(g) for g in glyphs]
        assert all(x is not None for x in inputs), name
        # Ten different shapes, not one missing-glyph box ten times.
        assert len({x.round(1).tobytes() for x in inputs}) == 10, name


def test_held_out_fonts_are_never_drawn_for_training():
    from drawn.fonts import FONTS
    from drawn.training import FONT_STYLE, training_font_digits

    held_out = {name for name, font in FONTS.items() if font.held_out}
    assert 4 <= len(held_out) <= len(FONTS) // 2
    x, y, styles = training_font_digits(200, seed=0)
    assert x.shape == (200, 28, 28) and (y == np.arange(200) % 10).all()
    used = {style.removeprefix(FONT_STYLE) for style in styles}
    assert used <= set(FONTS) - held_out and len(used) > len(FONTS) // 3


def test_a_font_set_draws_each_font_under_each_condition_and_names_what_is_missing(
        monkeypatch, tmp_path):
    import drawn.fonts
    from drawn.fonts import make_font_set

    fonts = make_font_set(per_condition=10, seed=0, names=["dkg", "Humor-Sans"])
    assert len(fonts) == 2 * len(CONDITIONS) * 10 and fonts.missing == ()
    assert set(fonts.conditions) == set(CONDITIONS)
    again = make_font_set(per_condition=10, seed=0, names=["Humor-Sans"])
    assert all(np.array_equal(a, b) for a, b in zip(fonts.images[len(again):], again.images))
    monkeypatch.setattr(drawn.fonts, "FONT_FOLDER", tmp_path)  # no font installed at all
    assert make_font_set(per_condition=10, names=["dkg"]).missing == ("dkg",)


def test_a_training_set_refuses_to_draw_without_its_fonts(monkeypatch, tmp_path):
    import drawn.fonts
    import drawn.training
    from mlp.errors import MLPError

    monkeypatch.setattr(drawn.training, "installed", lambda names: [])
    with pytest.raises(MLPError, match="fonts-dkg-handwriting.*--font-digits 0"):
        drawn.training.training_font_digits(10)


def test_score_fonts_counts_per_font_and_the_held_out_fonts_apart(classic_model):
    from drawn.fonts import FONTS, make_font_set
    from drawn.score import score_fonts

    fonts = make_font_set(per_condition=10, seed=0, names=["dkg", "Humor-Sans"])
    scores = score_fonts(classic_model, fonts)
    read = np.array([classic_model.network(preprocess(image).reshape(1, 784)).argmax()
                     for image in fonts.images])
    right = read == fonts.labels
    assert scores["held_out_fonts"] == ["Humor-Sans"] and FONTS["Humor-Sans"].held_out
    assert scores["fonts"]["dkg"] == pytest.approx(right[fonts.fonts == "dkg"].mean())
    held = fonts.fonts == "Humor-Sans"
    for digit in range(10):
        assert scores["held_out_digits"][str(digit)] == pytest.approx(
            right[held & (fonts.labels == digit)].mean())


# --- closed outlines that are not a 0


def test_the_closed_outlines_are_training_kinds_that_render_and_are_no_tall_oval():
    from drawn.not_digits import draw_not_digit, not_digit_kinds
    from drawn.outlines import OUTLINES
    from drawn.streams import rng_for
    from drawn.training import training_not_digits

    kinds = not_digit_kinds()
    for name, draw in OUTLINES.items():
        assert not kinds[name].held_out and not kinds[name].measured, name
        rng = rng_for("test", 0, "outline check", name)
        for _ in range(20):
            points = np.concatenate(draw(rng))
            width, height = np.ptp(points, axis=0)
            assert width >= 0.9 * height, name  # a 0 is taller than wide; these are not
        assert preprocess(draw_not_digit(kinds[name], "centred", rng)) is not None
    _, drawn_kinds = training_not_digits(len(kinds), seed=0)
    assert set(OUTLINES) <= set(drawn_kinds)


def test_the_default_models_record_holds_its_font_figures(default_model):
    """The record's per-font figures, measured again here on one held-out font: the same,
    give or take a drawing whose reading a CPU without AVX-512 tips."""
    from drawn.fonts import FONT_VERSION, FONTS, make_font_set
    from drawn.score import score_fonts

    fonts = default_model.record["fonts"]
    assert fonts["font_version"] == FONT_VERSION and fonts["missing"] == []
    assert fonts["held_out_fonts"] == sorted(name for name, font in FONTS.items() if font.held_out)
    again = score_fonts(default_model, make_font_set(fonts["per_condition"], fonts["seed"],
                                                     names=["Humor-Sans"]))
    n = fonts["per_condition"] * len(CONDITIONS)
    assert abs(again["fonts"]["Humor-Sans"] - fonts["fonts"]["Humor-Sans"]) <= 1 / n


def test_the_scanned_small_condition_hands_in_a_digit_8_to_16_pixels_tall_that_reads_as_one():
    import mlp

    drawn = strokes_as_drawn(per_condition=20, seed=0)
    scans = [image for image, condition in zip(drawn.images, drawn.conditions)
             if condition == "scanned_small"]
    sides = [max(image.shape[:2]) for image in scans]
    assert len(scans) == 20 and min(sides) >= 8 + 2 and max(sides) <= 16 + 4  # and the margin
    labels = drawn.labels[drawn.conditions == "scanned_small"]
    x = np.stack([preprocess(image) for image in scans])
    read = mlp.predict_proba(mlp.load_model("world"), x).argmax(axis=1)
    assert (read == labels).mean() >= 0.9  # blurred, but a digit still


def test_the_contact_sheet_of_a_condition_shows_each_digits_hardest_as_handed_in_then_as_seen():
    import mlp
    from drawn.sheet import hardest_of_condition

    drawn = strokes_as_drawn(per_condition=30, seed=0, only="scanned_small")
    assert set(drawn.conditions) == {"scanned_small"}
    everything = strokes_as_drawn(per_condition=30, seed=0)  # the same drawings, drawn with the rest
    scans = [image for image, c in zip(everything.images, everything.conditions) if c == "scanned_small"]
    assert all(np.array_equal(a, b) for a, b in zip(scans, drawn.images, strict=True))
    model = mlp.load_model("classic")
    rows = hardest_of_condition(model, drawn, "scanned_small", count=2)
    assert len(rows) == 10
    for digit, row in enumerate(rows):
        (handed_in, caption), *seen = row
        assert caption == "the first, as handed in" and handed_in.shape[0] == handed_in.shape[1]
        assert handed_in.shape[0] <= 16 + 4 and len(seen) == 2
        assert all(x.shape == (28, 28) for x, _ in seen)
        sure = [float(text.rsplit(", ", 1)[1].rstrip("%")) for _, text in seen]
        assert sure == sorted(sure)  # least sure first
        chosen = (drawn.conditions == "scanned_small") & (drawn.labels == digit)
        probabilities = mlp.predict_proba(model, np.stack(
            [preprocess(drawn.images[i]) for i in np.flatnonzero(chosen)]))[:, digit]
        assert round(100 * probabilities.min()) == sure[0]
