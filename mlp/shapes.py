"""The sizes every part of the package agrees on."""

SIZE = 28  # side of a model's input image, as in MNIST
CLASSES = 10  # the digits 0-9
CANVAS = 280  # side of the page's drawing canvas; the drawn-digit set paints at this scale
