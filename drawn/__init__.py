"""drawn: a test set of digits drawn as people draw them, and a model's score on it.

Evaluation tooling beside the product, not part of it: `drawn` uses `mlp`, never the reverse.

    strokes.py     stroke paths of each digit's styles, bent as hands vary them
    paint.py       strokes, or an MNIST digit, -> ink at canvas scale
    conditions.py  the conditions (small in a corner, tilted, on paper, ...): one record each
    dataset.py     make_drawn_set, write_pngs, GENERATOR_VERSION
    score.py       score(model, drawn_set), accuracy_by_condition, record
    cli.py         python -m drawn {write,score}
"""
