"""Errors the package raises with a message meant for a person, not a traceback."""


class MLPError(Exception):
    """Base class: the message alone says what went wrong and what to do."""


class DataError(MLPError):
    """The MNIST file is missing, unreadable or not in the Keras layout."""


class ModelError(MLPError):
    """A model file is missing, corrupt, or not a model this package can run."""


class ImageError(MLPError):
    """An image cannot be read, or is too large to read safely."""


def first_line(err: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message (or its type's name), at most `limit` characters."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0][:limit]
