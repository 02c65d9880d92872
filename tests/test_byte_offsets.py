"""``ByteOffsets`` (tree-sitter's UTF-8 byte offsets to Python character offsets) agrees with
the plain per-byte table for every byte of any text, lone surrogates included."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rocm_lsp.core.engine.structure import ByteOffsets

CHARACTERS = st.one_of(
    st.characters(),  # any code point but surrogates
    st.sampled_from(["a", "\n", "{", "é", "—", "€", "😀", "\ud800", "\udfff"]),
)


def per_byte(text: str) -> tuple[bytes, list[int]]:
    """The data and, for each byte offset (and the end), the character it belongs to."""
    data = text.encode("utf-8", "surrogatepass")
    table = []
    for i, ch in enumerate(text):
        table += [i] * len(ch.encode("utf-8", "surrogatepass"))
    return data, [*table, len(text)]


@given(st.lists(CHARACTERS, max_size=40).map("".join))
def test_every_byte_maps_to_its_character(text: str) -> None:
    data, table = per_byte(text)
    offsets = ByteOffsets(text, data)
    assert [offsets(b) for b in range(len(data) + 1)] == table


def test_ascii_text_maps_to_itself_without_a_table() -> None:
    offsets = ByteOffsets("abc", b"abc")
    assert offsets.identity and offsets.starts == [] and [offsets(b) for b in range(4)] == [0, 1, 2, 3]
