"""The one exception raised for input a user can correct."""

from __future__ import annotations


class ValidationError(ValueError):
    """Invalid input, refused before anything was written.

    ``field`` names the input that is wrong (``"target"``, ``"confidence"``, ...) and
    ``message`` says what is wrong with it in a sentence a user can act on. ``where`` is an
    optional label for the thing being written (a key result's title, a row number), so a
    form holding many rows can say which row failed.
    """

    def __init__(self, field: str, message: str, where: str | None = None):
        self.field = field
        self.message = message
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.field}: {self.message}"
