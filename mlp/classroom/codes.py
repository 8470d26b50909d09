"""Class codes, student tokens and nicknames: random, easy to say, hard to guess."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L: a code read aloud or copied from a projector is typed right the first time.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ANIMALS = ("Otter", "Fox", "Owl", "Hedgehog", "Badger", "Heron", "Lynx", "Panda", "Koala", "Zebra",
           "Tiger", "Whale", "Dolphin", "Falcon", "Beaver", "Rabbit", "Turtle", "Penguin", "Moose",
           "Gecko", "Lemur", "Yak", "Bison", "Crane", "Seal", "Robin", "Squirrel", "Walrus", "Llama",
           "Puffin", "Camel", "Raven", "Salmon", "Hare", "Mole", "Swan", "Wolf", "Bear", "Frog", "Eagle")
NICKNAME_NUMBERS = 99  # Otter 1 .. Otter 99: 3960 nicknames, far more than a class has students
MAX_TOKEN_LENGTH = 64


def new_code(length: int) -> str:
    """A random class code of `length` characters from ALPHABET."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normal_code(code: object) -> str | None:
    """A typed code as stored (upper case, spaces and dashes dropped), or None if it cannot be one."""
    if not isinstance(code, str) or len(code) > 32:
        return None
    code = code.upper().replace(" ", "").replace("-", "")
    return code if code and all(char in ALPHABET for char in code) else None


def new_token() -> str:
    """A student's token: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def new_teacher_key() -> str:
    """A teacher key: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def new_nickname(taken: set[str]) -> str:
    """A random 'Animal N' nickname not in `taken`."""
    if len(taken) >= len(ANIMALS) * NICKNAME_NUMBERS:
        raise ValueError("every nickname is taken")  # ClassLimits.max_students keeps far below this
    while True:
        nickname = f"{secrets.choice(ANIMALS)} {secrets.randbelow(NICKNAME_NUMBERS) + 1}"
        if nickname not in taken:
            return nickname
