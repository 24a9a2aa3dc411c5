"""The one-time builder of the composition root's parts."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps


def once(build: Callable) -> Callable:
    """A builder of ``Services`` that runs on its first call and then returns what it built: reading
    a key or certificate file is always a call, never the side effect of reading an attribute."""
    key = f"_built_{build.__name__}"

    @wraps(build)
    def built(self):
        if key not in self.__dict__:
            self.__dict__[key] = build(self)
        return self.__dict__[key]

    return built
