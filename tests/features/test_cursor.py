"""The fixture helpers themselves: the cursor, marked spans and inserted labels."""

from __future__ import annotations

import pytest
from cursor import cursor, inserted, marked

from rocm_lsp.core.text import Span


def test_cursor_is_removed_and_located() -> None:
    assert cursor("{{ kern$0el }}") == ("{{ kernel }}", 7)


def test_a_fixture_needs_exactly_one_cursor() -> None:
    with pytest.raises(AssertionError):
        cursor("{{ $0kernel$0 }}")
    with pytest.raises(AssertionError):
        cursor("{{ kernel }}")


def test_marked_shows_the_lines_of_the_span() -> None:
    text = "a\nb {{ x }} c\nd\n"
    assert marked(text, Span(7, 11)) == "b {{ «x }}» c"
    assert marked(text, Span(0, 3)) == "«a\nb» {{ x }} c"
    assert marked(text, Span(2, 2)) == "«»b {{ x }} c"
    assert marked(text, None) is None


def test_inserted_shows_only_the_lines_with_labels() -> None:
    text = "a\nbc\nd"
    assert inserted(text, [(3, "1"), (4, "2"), (6, "3")]) == "b⟨1⟩c⟨2⟩\nd⟨3⟩"
