"""The offline PyPI index shipped inside the package (`pypi-index.bin`), and lookups in it.

Built by `build_index.py` from a snapshot of PyPI's project list. It answers three questions
without the network:

* does a project of this name exist? Every name is stored as a 40-bit BLAKE2b hash, bucketed by
  its top 16 bits, so a lookup reads one bucket of ~14 three-byte entries. A name in the snapshot
  is always found; a name not in it is wrongly "found" with probability ~N/2^40 (about one in a
  million), which can only hide a finding, never invent one;
* how popular is it? The top projects by downloads are stored by name with their rank;
* is it a suspected squat? Unpopular projects that are a strong near-miss of a popular name are
  precomputed at build time, with the name they imitate and their last release month.

File layout: `MAGIC`, a little-endian u32 header length, a JSON header (counts, snapshot, offsets),
then the sections it names: bucket sizes (u8 each), hash tails (3 bytes each, bucket-major and
sorted), and two zlib-compressed TSV tables (popular, suspects).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from analyzer.engines.cst.supply_chain.names import normalise

MAGIC = b"DSPYPI\x00\x01"
INDEX_PATH = Path(__file__).with_name("pypi-index.bin")
HASH_BYTES = 5
BUCKET_BITS = 16
_TAIL_BITS = HASH_BYTES * 8 - BUCKET_BITS
_TAIL_BYTES = _TAIL_BITS // 8
_PERSON = b"diffsentry-pypi"


def name_hash(normalised_name: str) -> int:
    """The 40-bit hash a name is stored under (stable across Python versions and platforms)."""
    digest = hashlib.blake2b(normalised_name.encode("utf-8"), digest_size=HASH_BYTES, person=_PERSON).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class Suspect:
    """An unpopular project whose name is a strong near-miss of a popular one."""

    name: str
    target: str
    kind: str
    last_release: str  # "YYYY-MM", or "" when unknown


class IndexFormatError(ValueError):
    """The index file is missing, truncated or of another format version."""


class PackageIndex:
    """Read-only view of one index file. Lookups take normalised or raw names."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
            raise IndexFormatError("not a diffsentry PyPI index (bad magic or version)")
        (header_len,) = struct.unpack_from("<I", data, len(MAGIC))
        start = len(MAGIC) + 4
        try:
            self.header = json.loads(data[start : start + header_len])
            body = start + header_len
            sections = {key: data[body + offset : body + offset + size]
                        for key, (offset, size) in self.header["sections"].items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexFormatError(f"corrupt index header: {exc}") from None
        counts = sections["buckets"]
        if len(counts) != 1 << BUCKET_BITS or len(sections["hashes"]) != self.header["names"] * _TAIL_BYTES:
            raise IndexFormatError("index sections do not match the header")
        self._offsets = [0, *itertools.accumulate(counts)]
        self._tails = sections["hashes"]
        self._popular_blob = sections["popular"]
        self._suspects_blob = sections["suspects"]

    @property
    def snapshot(self) -> str:
        return str(self.header["snapshot"])

    def __len__(self) -> int:
        return int(self.header["names"])

    def __contains__(self, name: str) -> bool:
        value = name_hash(normalise(name))
        bucket, tail = value >> _TAIL_BITS, (value & ((1 << _TAIL_BITS) - 1)).to_bytes(_TAIL_BYTES, "big")
        lo, hi = self._offsets[bucket] * _TAIL_BYTES, self._offsets[bucket + 1] * _TAIL_BYTES
        found = self._tails.find(tail, lo, hi)
        while found >= 0 and (found - lo) % _TAIL_BYTES:  # a match straddling two entries
            found = self._tails.find(tail, found + 1, hi)
        return found >= 0

    @functools.cached_property
    def ranks(self) -> dict[str, int]:
        """Normalised name -> download rank, for the popular projects only."""
        return {name: int(rank) for name, rank in _rows(self._popular_blob, 2)}

    @functools.cached_property
    def suspects(self) -> dict[str, Suspect]:
        return {row[0]: Suspect(*row) for row in _rows(self._suspects_blob, 4)}

    def rank(self, name: str) -> int | None:
        return self.ranks.get(normalise(name))

    def suspect(self, name: str) -> Suspect | None:
        return self.suspects.get(normalise(name))


def _rows(blob: bytes, width: int) -> Iterator[list[str]]:
    for line in zlib.decompress(blob).decode("utf-8").splitlines():
        row = line.split("\t")
        if len(row) == width:
            yield row


@functools.cache
def load_index(path: Path = INDEX_PATH) -> PackageIndex:
    """The shipped index, read once per process (~2.7 MB; no name list is built in memory)."""
    try:
        return PackageIndex(path.read_bytes())
    except FileNotFoundError:
        raise IndexFormatError(f"the PyPI index {path} is missing; rebuild it with build_index.py") from None
