"""The Merkle tree of the transparency log (RFC 6962 / RFC 9162, section 2.1).

Pure core: bytes in, bytes out.

* A leaf's hash is ``SHA-256(0x00 || entry)``, an interior node's
  ``SHA-256(0x01 || left || right)``; the hash of the empty tree is ``SHA-256("")``.
* The tree of ``n`` leaves splits at ``k``, the largest power of two smaller than
  ``n``: its hash is ``node(MTH(D[0:k]), MTH(D[k:n]))``.
* Inclusion proofs (``PATH``) and consistency proofs (``PROOF``/``SUBPROOF``) are
  built as RFC 6962 section 2.1.1 and 2.1.2 define them and verified with the
  algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2.
* The tree is also cut into the tiles of C2SP tlog-tiles (https://c2sp.org/tlog-tiles):
  the tile ``N`` of level ``L`` holds the hashes of tree level ``8 L`` at positions
  ``256 N`` to ``256 N + 255`` (each the hash of a full subtree of ``256**L`` leaves);
  a tile of fewer than 256 hashes is partial and is stored at ``<N>.p/<W>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH of the empty tree: SHA-256 of nothing."""


class ProofError(ValueError):
    """A proof does not verify, or cannot be made for the sizes asked."""


def leaf_hash(entry: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """A Merkle tree over leaf hashes, with every full subtree's hash kept by level:
    ``levels[h][i]`` is the hash of leaves ``i * 2**h`` to ``(i + 1) * 2**h - 1``."""

    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash and the full subtrees it completes."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes (got {len(leaf)})")
        self.levels[0].append(leaf)
        level = 0
        while len(self.levels[level]) % 2 == 0:
            row = self.levels[level]
            if level + 1 == len(self.levels):
                self.levels.append([])
            self.levels[level + 1].append(node_hash(row[-2], row[-1]))
            level += 1

    def hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for 0 <= start <= end <= size."""
        if not 0 <= start <= end <= self.size:
            raise ValueError(f"no subtree {start}..{end} in a tree of {self.size} leaves")
        if start == end:
            return EMPTY_ROOT
        width = end - start
        if width & (width - 1) == 0 and start % width == 0:
            return self.levels[width.bit_length() - 1][start // width]
        k = _split(width)
        return node_hash(self.hash(start, start + k), self.hash(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """The root hash of the tree of the first ``size`` leaves (default: all)."""
        return self.hash(0, self.size if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 6962 PATH(index, D[0:size]): the audit path of leaf ``index``."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ProofError(f"no leaf {index} in a tree of {size} leaves")
        return self._path(index, 0, size)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, start, start + k), self.hash(start + k, end)]
        return [*self._path(m - k, start + k, end), self.hash(start, start + k)]

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 6962 PROOF(old_size, D[0:new_size]): that the older tree is a prefix."""
        new_size = self.size if new_size is None else new_size
        if not 0 <= old_size <= new_size <= self.size:
            raise ProofError(
                f"no consistency proof from size {old_size} to size {new_size} "
                f"(the tree has {self.size} leaves)"
            )
        if old_size in (0, new_size):
            return []
        return self._subproof(old_size, 0, new_size, True)

    def _subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self.hash(start, end)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, start + k, whole), self.hash(start + k, end)]
        return [*self._subproof(m - k, start + k, end, False), self.hash(start, start + k)]


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes, level by level: each pair of neighbours is
    hashed into the level above and an odd last hash is carried up as it is,
    which splits every subtree at the largest power of two below its size, as
    RFC 6962 does (without keeping the levels, as :class:`Tree` does)."""
    level = list(leaves)
    if not level:
        return EMPTY_ROOT
    for i, leaf in enumerate(level):
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"leaf {i}: a leaf hash has {HASH_SIZE} bytes (got {len(leaf)})")
    sha256 = hashlib.sha256
    while len(level) > 1:
        odd = level[-1] if len(level) % 2 else None
        level = [
            sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if odd is not None:
            level.append(odd)
    return level[0]


def _check_hashes(proof: Sequence[bytes], what: str) -> None:
    for i, h in enumerate(proof):
        if len(h) != HASH_SIZE:
            raise ProofError(f"{what}[{i}] has {len(h)} bytes (expected {HASH_SIZE})")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof leads to (RFC 9162 section 2.1.3.2, steps 1-4)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"the leaf hash has {len(leaf)} bytes (expected {HASH_SIZE})")
    _check_hashes(proof, "proof")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows leaf ``index`` in the tree ``root``."""
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError(
            f"the inclusion proof of leaf {index} leads to another root than the tree of size {size}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows that the tree ``old_root`` of
    ``old_size`` leaves is a prefix of the tree ``new_root`` (RFC 9162 section 2.1.4.2)."""
    _check_hashes(proof, "proof")
    if old_size > new_size:
        raise ProofError(f"the older tree is larger (size {old_size} > {new_size})")
    if old_size == new_size:
        if proof:
            raise ProofError("trees of the same size need an empty proof")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same size {old_size}")
        return
    if old_size == 0:
        if proof:
            raise ProofError("the empty tree needs an empty proof")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than the tree is deep")
    if fr != old_root:
        raise ProofError(f"the proof does not lead to the older root (size {old_size})")
    if sr != new_root:
        raise ProofError(f"the proof does not lead to the newer root (size {new_size})")


# ---------------------------------------------------------------------------
# Tiles (C2SP tlog-tiles)


def tile_index_path(n: int) -> str:
    """A tile index as path elements: zero-padded groups of three digits, all but
    the last prefixed with ``x`` (1234067 -> ``x001/x234/067``)."""
    if n < 0:
        raise ValueError(f"a tile index is not negative (got {n})")
    digits = str(n)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, n: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``; level ``"entries"`` gives the entry bundle's path."""
    if width < 1 or width > TILE_WIDTH:
        raise ValueError(f"a tile holds 1 to {TILE_WIDTH} hashes (got {width})")
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{tile_index_path(n)}{suffix}"


def parse_tile_path(path: str) -> tuple[str, int, int] | None:
    """(level, index, width) of a path ``tile/<L>/<N>[.p/<W>]`` written as
    :func:`tile_path` writes it (level ``entries`` for entry bundles), or None."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        return None
    level = parts[1]
    if level != "entries" and (not level.isdigit() or str(int(level)) != level or int(level) > 63):
        return None
    rest = parts[2:]
    width = TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        w = rest[-1]
        if not w.isdigit() or str(int(w)) != w or not 1 <= int(w) < TILE_WIDTH:
            return None
        width = int(w)
        rest = [*rest[:-2], rest[-2][:-2]]
    digits = ""
    for i, group in enumerate(rest):
        last = i == len(rest) - 1
        body = group if last else group[1:]
        if (not last and not group.startswith("x")) or len(body) != 3 or not body.isdigit():
            return None
        digits += body
    n = int(digits)
    if tile_index_path(n) != "/".join(rest):
        return None
    return level, n, width


def tiles(tree: Tree, size: int | None = None) -> dict[str, bytes]:
    """Every hash tile of the tree of ``size`` leaves, by path: full tiles and the
    partial tile of each level (``floor(size / 256**L) mod 256`` hashes, when not 0)."""
    size = tree.size if size is None else size
    out: dict[str, bytes] = {}
    level = 0
    while True:
        height = TILE_HEIGHT * level
        count = size >> height  # full subtrees of 256**level leaves
        if count == 0:
            break
        row = tree.levels[height][:count] if height < len(tree.levels) else []
        for n in range(0, count, TILE_WIDTH):
            chunk = row[n : n + TILE_WIDTH]
            out[tile_path(level, n // TILE_WIDTH, len(chunk))] = b"".join(chunk)
        level += 1
    return out


def bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes."""
    out = bytearray()
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise ValueError(f"a log entry has at most 65535 bytes (got {len(entry)})")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def unbundle(data: bytes) -> list[bytes]:
    """The entries of an entry bundle; ValueError when it is cut short."""
    entries: list[bytes] = []
    at = 0
    while at < len(data):
        if at + 2 > len(data):
            raise ValueError(f"the bundle ends inside an entry's length (at byte {at})")
        length = int.from_bytes(data[at : at + 2], "big")
        if at + 2 + length > len(data):
            raise ValueError(
                f"entry {len(entries)} is cut short (declares {length} bytes, "
                f"{len(data) - at - 2} left)"
            )
        entries.append(data[at + 2 : at + 2 + length])
        at += 2 + length
    return entries


def bundles(entries: Sequence[bytes]) -> dict[str, bytes]:
    """Every entry bundle of a log of these entries, by path."""
    return {
        tile_path("entries", n // TILE_WIDTH, len(entries[n : n + TILE_WIDTH])): bundle(
            entries[n : n + TILE_WIDTH]
        )
        for n in range(0, len(entries), TILE_WIDTH)
    }
