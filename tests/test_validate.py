"""The small input checks every write builds on (:mod:`okrdata.validate`)."""

from __future__ import annotations

import pytest

from okrdata import validate as v
from okrdata.errors import ValidationError

CONTROL_CHARACTERS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\ud800"]


@pytest.mark.parametrize("ch", CONTROL_CHARACTERS, ids=lambda ch: f"U+{ord(ch):04X}")
def test_text_refuses_control_characters(ch):
    with pytest.raises(ValidationError) as info:
        v.text("title", f"Grow{ch} revenue")
    assert info.value.field == "title"
    assert f"U+{ord(ch):04X}" in info.value.message
    assert "character 5" in info.value.message


@pytest.mark.parametrize("ch", CONTROL_CHARACTERS, ids=lambda ch: f"U+{ord(ch):04X}")
def test_email_refuses_control_characters(ch):
    with pytest.raises(ValidationError) as info:
        v.email("email", f"a{ch}@example.com")
    assert info.value.field == "email"


@pytest.mark.parametrize(
    "typed",
    [
        "Line one\nline two",
        "Tab\tseparated",
        "Windows\r\nline ends",
        "Wachstum über 20 % — ✓ 🚀",
        "Zero\u200dwidth joiner in 👩\u200d💻",
    ],
)
def test_text_keeps_what_people_type(typed):
    assert v.text("note", typed, max_length=v.MAX_TEXT) == typed.strip()
