"""Bit sets of search rows (`search.bitsets`): what is stored reads back as the same set, in both formats."""

from search import bitsets


def test_a_sparse_set_is_stored_as_positions_and_reads_back():
    positions = [3, 70, 4095, 50_000]
    stored = bitsets.encode(bitsets.from_positions(positions))
    assert stored[:1] == b"P"
    assert len(stored) == 1 + 4 * len(positions)
    assert bitsets.positions(bitsets.decode(stored)) == positions


def test_a_dense_set_is_stored_as_bits_and_reads_back():
    positions = list(range(0, 10_000, 3))
    stored = bitsets.encode(bitsets.from_positions(positions))
    assert stored[:1] == b"B"
    assert bitsets.positions(bitsets.decode(stored)) == positions
    assert bitsets.decode(bitsets.encode_positions(positions)) == bitsets.from_positions(positions)


def test_the_empty_set_and_memoryviews_from_the_database():
    assert bitsets.decode(None) == 0
    assert bitsets.decode(bitsets.encode(0)) == 0
    assert bitsets.decode(memoryview(bitsets.encode_positions([1, 9]))) == 0b1000000010
    assert bitsets.positions(0) == []
    assert bitsets.union([0b1, 0b100, 0]) == 0b101
