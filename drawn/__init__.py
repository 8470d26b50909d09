"""drawn: a test set of digits drawn as people draw them, and a model's score on it.

Evaluation tooling beside the product, not part of it: `drawn` uses `mlp`, never the reverse.

    strokes.py     stroke paths of each digit's styles (some held out of training), bent as hands vary them
    paint.py       strokes, or an MNIST digit, -> ink at canvas scale
    conditions.py  the conditions (small in a corner, tilted, on paper, finger, scanned small, ...): one record each
    render.py      one drawing under one condition: from strokes, or from an image of a digit
    dataset.py     make_drawn_set, write_pngs, GENERATOR_VERSION
    versions.py    every version of the digit set and the non-digit set, as data
    streams.py     the random streams each part draws from, each by its name (rng_for)
    not_digits.py  letters, shapes, scribbles, several digits: not a digit; NOT_DIGIT_VERSION
    outlines.py    closed outlines that are not a 0 (training kinds)
    fonts.py       digits in Debian's handwriting fonts, some held out (optional)
    training.py    training data (training styles and kinds only, streams of their own) as 28x28 arrays
    score.py       score(model, drawn_set) per condition and style; score_not_digits; record
    sheet.py       a contact sheet of the hardest drawings, or of chosen styles
    validation.py  a validation split of MNIST's training digits, and a recipe's errors on it
    cli.py         python -m drawn {write,score,training-set,hardest,validation-split,validate}
"""
