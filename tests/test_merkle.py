"""The log's Merkle tree: RFC 6962 / transparency-dev vectors, proofs, tiles and bundles."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.merkle import (
    EMPTY_ROOT,
    TILE_WIDTH,
    ProofError,
    Tree,
    bundle,
    bundles,
    leaf_hash,
    node_hash,
    parse_tile_path,
    root_from_inclusion_proof,
    root_of,
    tile_index_path,
    tile_path,
    tiles,
    unbundle,
    verify_consistency,
    verify_inclusion,
)

VECTORS = json.loads(
    (Path(__file__).parent / "vectors" / "tlog" / "merkle_rfc6962.json").read_text(encoding="utf-8")
)
LEAVES = [leaf_hash(bytes.fromhex(d)) for d in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(r) for r in VECTORS["roots"]]
TREE = Tree(LEAVES)


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 as written, recursively: the reference for the tree."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


# ---------------------------------------------------------------------------
# Known answers


@pytest.mark.parametrize("size", range(9))
def test_root_of_the_first_n_vector_leaves(size: int) -> None:
    assert TREE.root(size) == ROOTS[size]
    assert Tree(LEAVES[:size]).root() == ROOTS[size]
    assert root_of(LEAVES[:size]) == ROOTS[size]


def test_the_empty_tree_hashes_to_sha256_of_nothing() -> None:
    assert Tree().root() == EMPTY_ROOT == ROOTS[0]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: f"{c['index']}-of-{c['size']}")
def test_inclusion_proofs_are_the_vectors(case: dict[str, Any]) -> None:
    index, size = case["index"], case["size"]
    proof = [bytes.fromhex(h) for h in case["proof"]]
    assert TREE.inclusion_proof(index, size) == proof
    verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size])


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: f"{c['old']}-to-{c['new']}")
def test_consistency_proofs_are_the_vectors(case: dict[str, Any]) -> None:
    old, new = case["old"], case["new"]
    proof = [bytes.fromhex(h) for h in case["proof"]]
    assert TREE.consistency_proof(old, new) == proof
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


# ---------------------------------------------------------------------------
# Corrupted proofs fail (the probes of transparency-dev/merkle's verifierCheck)


def _verifies(check: Callable[..., None], args: tuple[Any, ...]) -> bool:
    try:
        check(*args)
    except ProofError:
        return False
    return True


def _inclusion_probes(
    index: int, size: int, proof: list[bytes]
) -> list[tuple[str, tuple[Any, ...]]]:
    leaf, root = LEAVES[index], ROOTS[size]
    probes = [
        ("index - 1", (index - 1, size, leaf, proof, root)),
        ("index + 1", (index + 1, size, leaf, proof, root)),
        ("index ^ 2", (index ^ 2, size, leaf, proof, root)),
        ("size * 2", (index, size * 2, leaf, proof, root)),
        ("size // 2", (index, size // 2, leaf, proof, root)),
        ("wrong leaf", (index, size, leaf_hash(b"WrongLeaf"), proof, root)),
        ("empty root", (index, size, leaf, proof, EMPTY_ROOT)),
        ("trailing root", (index, size, leaf, [*proof, root], root)),
        ("preceding root", (index, size, leaf, [root, *proof], root)),
        ("trailing garbage", (index, size, leaf, [*proof, b""], root)),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 8]) + bad[i][1:]
        probes.append((f"proof[{i}] bit 3", (index, size, leaf, bad, root)))
    if proof:
        probes.append(("removed component", (index, size, leaf, proof[:-1], root)))
    return probes


@pytest.mark.parametrize(
    "case", VECTORS["inclusion"][1:], ids=lambda c: f"{c['index']}-of-{c['size']}"
)
def test_corrupted_inclusion_proofs_fail(case: dict[str, Any]) -> None:
    proof = [bytes.fromhex(h) for h in case["proof"]]
    probes = _inclusion_probes(case["index"], case["size"], proof)
    assert [name for name, args in probes if _verifies(verify_inclusion, args)] == []


@pytest.mark.parametrize(
    "case", VECTORS["consistency"][1:], ids=lambda c: f"{c['old']}-to-{c['new']}"
)
def test_corrupted_consistency_proofs_fail(case: dict[str, Any]) -> None:
    old, new = case["old"], case["new"]
    proof = [bytes.fromhex(h) for h in case["proof"]]
    r1, r2 = ROOTS[old], ROOTS[new]
    probes: list[tuple[str, tuple[Any, ...]]] = [
        ("old - 1", (old - 1, new, r1, r2, proof)),
        ("old + 1", (old + 1, new, r1, r2, proof)),
        ("old ^ 2", (old ^ 2, new, r1, r2, proof)),
        ("new * 2", (old, new * 2, r1, r2, proof)),
        ("new // 2", (old, new // 2, r1, r2, proof)),
        ("wrong root1", (old, new, EMPTY_ROOT, r2, proof)),
        ("wrong root2", (old, new, r1, EMPTY_ROOT, proof)),
        ("swapped roots", (old, new, r2, r1, proof)),
        ("empty proof", (old, new, r1, r2, [])),
        ("trailing root1", (old, new, r1, r2, [*proof, r1])),
        ("preceding root2", (old, new, r1, r2, [r2, *proof])),
        ("preceding proof[0]", (old, new, r1, r2, [proof[0], *proof])),
        ("truncated proof", (old, new, r1, r2, proof[:-1])),
        ("trailing garbage", (old, new, r1, r2, [*proof, b""])),
    ]
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
        probes.append((f"proof[{i}] bit 4", (old, new, r1, r2, bad)))
    assert [name for name, args in probes if _verifies(verify_consistency, args)] == []


def test_trivial_consistency_cases() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, ROOTS[5], [])
    verify_consistency(3, 3, ROOTS[3], ROOTS[3], [])
    with pytest.raises(ProofError, match="two different roots for the same size 3"):
        verify_consistency(3, 3, ROOTS[3], ROOTS[4], [])
    with pytest.raises(ProofError, match="the older tree is larger"):
        verify_consistency(4, 3, ROOTS[4], ROOTS[3], [])
    with pytest.raises(ProofError, match="need an empty proof"):
        verify_consistency(3, 3, ROOTS[3], ROOTS[3], [ROOTS[0]])


# ---------------------------------------------------------------------------
# Every proof of every small tree


def test_the_tree_agrees_with_the_recursive_definition() -> None:
    leaves = _leaves(70)
    tree = Tree(leaves)
    for n in range(71):
        assert tree.root(n) == _mth(leaves[:n]), n


def test_every_inclusion_and_consistency_proof_of_small_trees_verifies() -> None:
    leaves = _leaves(33)
    tree = Tree(leaves)
    for n in range(1, 34):
        root = tree.root(n)
        for i in range(n):
            proof = tree.inclusion_proof(i, n)
            assert root_from_inclusion_proof(i, n, leaves[i], proof) == root
        for m in range(n + 1):
            verify_consistency(m, n, tree.root(m), root, tree.consistency_proof(m, n))


def test_proofs_outside_the_tree_are_refused() -> None:
    with pytest.raises(ProofError, match="no leaf 8 in a tree of 8 leaves"):
        TREE.inclusion_proof(8)
    with pytest.raises(ProofError, match="no consistency proof from size 5 to size 9"):
        TREE.consistency_proof(5, 9)
    with pytest.raises(ValueError, match="a leaf hash has 32 bytes"):
        Tree([b"short"])


# ---------------------------------------------------------------------------
# Tiles and entry bundles (C2SP tlog-tiles)


@pytest.mark.parametrize(
    ("n", "path"),
    [(0, "000"), (7, "007"), (999, "999"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_tile_index_paths(n: int, path: str) -> None:
    assert tile_index_path(n) == path


def test_tile_paths_round_trip() -> None:
    for level in (0, 1, 2, "entries"):
        for n in (0, 1, 999, 1000, 1234067):
            for width in (1, 112, 255, 256):
                path = tile_path(level, n, width)
                assert parse_tile_path(path) == (str(level), n, width)
    assert tile_path(0, 1234067, 8) == "tile/0/x001/x234/067.p/8"
    assert tile_path("entries", 0) == "tile/entries/000"


@pytest.mark.parametrize(
    "path",
    [
        "tile/00/000",
        "tile/64/000",
        "tile/0/0000",
        "tile/0/x000/001",
        "tile/0/001/002",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/07",
        "tile/data/000",
        "checkpoint",
        "tile/0/abc",
    ],
)
def test_paths_that_are_not_tiles(path: str) -> None:
    assert parse_tile_path(path) is None


def test_tiles_of_70000_entries_as_the_spec_counts_them() -> None:
    """tlog-tiles: 'a tree of size 70,000 will be represented by 273 full level 0
    tiles, one partial level 0 tile of width 112, one full level 1 tile, one partial
    level 1 tile of width 17, and one partial level 2 tile of width 1.'"""
    tree = Tree(_leaves(70_000))
    made = {p: parse_tile_path(p) for p in tiles(tree)}
    full0 = [p for p, t in made.items() if t and t[0] == "0" and t[2] == TILE_WIDTH]
    assert len(full0) == 273
    assert sorted(p for p, t in made.items() if t and t[2] < TILE_WIDTH) == [
        "tile/0/273.p/112",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    ]
    assert "tile/1/000" in made
    assert len(made) == 273 + 1 + 1 + 1 + 1


def test_a_tree_of_256_has_a_partial_level_1_tile_of_width_1() -> None:
    tree = Tree(_leaves(256))
    assert sorted(tiles(tree)) == ["tile/0/000", "tile/1/000.p/1"]
    assert tiles(tree)["tile/1/000.p/1"] == tree.root()


def test_higher_tiles_hold_the_roots_of_full_tiles_below() -> None:
    leaves = _leaves(3 * 256 + 5)
    made = tiles(Tree(leaves))
    level1 = made["tile/1/000.p/3"]
    for n in range(3):
        tile = made[tile_path(0, n)]
        hashes = [tile[i : i + 32] for i in range(0, len(tile), 32)]
        assert hashes == leaves[n * 256 : (n + 1) * 256]
        assert level1[n * 32 : (n + 1) * 32] == _mth(hashes)
    assert made["tile/0/003.p/5"] == b"".join(leaves[768:])


def test_bundles_round_trip() -> None:
    entries = [b"", b"a", bytes(range(256)) * 10, "条目".encode()] * 70
    made = bundles(entries)
    assert sorted(made) == ["tile/entries/000", "tile/entries/001.p/24"]
    assert unbundle(made["tile/entries/000"]) + unbundle(made["tile/entries/001.p/24"]) == entries
    assert bundle([b"ab"]) == b"\x00\x02ab"


def test_a_bundle_cut_short_is_refused() -> None:
    data = bundle([b"first", b"second"])
    with pytest.raises(ValueError, match="entry 1 is cut short"):
        unbundle(data[:-1])
    with pytest.raises(ValueError, match="ends inside an entry's length"):
        unbundle(data[:8])
    with pytest.raises(ValueError, match="at most 65535 bytes"):
        bundle([bytes(65536)])


@pytest.mark.parametrize("size", [*range(40), 255, 256, 257, 511, 1000])
def test_root_of_is_the_tree_root(size: int) -> None:
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(size)]
    assert root_of(leaves) == Tree(leaves).root()


def test_root_of_refuses_a_leaf_that_is_not_a_hash() -> None:
    with pytest.raises(ValueError, match="leaf 1: a leaf hash has 32 bytes"):
        root_of([b"\0" * 32, b"\0" * 31])
