"""mlp: a multilayer perceptron that reads handwritten digits, and everything around it.

The public API, imported lazily so that `import mlp` costs nothing:

    model = mlp.load_model()              # the shipped default; or "classic", or a .keras path
    image = mlp.open_image(path)          # a file, header checked before decoding, reduced
    image = mlp.open_drawing(url, 900)    # the canvas's PNG data URL, refused if no canvas sends it
    x = mlp.preprocess(image)             # any drawing/photo -> (28, 28) float32, or None
    r = mlp.read(model, x)                # one forward pass: r.digit, r.confidence, r.probabilities,
                                          # r.logits, r.activations, r.looks_like_digit (None: no check)
    p = mlp.predict_proba(model, batch)   # (n, 10) probabilities for (n, 28, 28) inputs
    ok = mlp.looks_like_digit(model, batch)  # (n,) False for a scribble, a letter, two digits
    data = mlp.load_mnist(path)           # path, else $MNIST_NPZ, else Keras' cache or download
    result = mlp.evaluate(model, x, y)    # accuracy, confusion, precision/recall, mistakes
"""

from importlib import import_module

_EXPORTS = {
    "load_model": "mlp.model",
    "shipped_models": "mlp.model",
    "Classifier": "mlp.model",
    "DEFAULT_MODEL": "mlp.model",
    "from_keras": "mlp.model",
    "preprocess": "mlp.preprocessing",
    "open_image": "mlp.preprocessing",
    "open_drawing": "mlp.canvas",
    "predict_proba": "mlp.network",
    "read": "mlp.reading",
    "Reading": "mlp.reading",
    "digit_likeness": "mlp.digit_check",
    "looks_like_digit": "mlp.digit_check",
    "top_k": "mlp.network",
    "load_mnist": "mlp.data",
    "as_model_input": "mlp.data",
    "Mnist": "mlp.data",
    "Evaluation": "mlp.evaluation",
    "evaluate": "mlp.evaluation",
    "TrainConfig": "mlp.config",
    "PRESETS": "mlp.config",
    "train": "mlp.training",
    "MLPError": "mlp.errors",
    "DataError": "mlp.errors",
    "ModelError": "mlp.errors",
    "ImageError": "mlp.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'mlp' has no attribute {name!r}")
