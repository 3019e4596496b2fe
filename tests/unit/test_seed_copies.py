"""tests/seeds/ holds byte-for-byte copies of the seeds the dialect tests read (CI's clean clone has
no ../shared): their SHA-256 is pinned here, and where ../shared/seeds exists it must hold the same."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.helpers import ROOT

SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
VENDORED_SEEDS = ROOT / "tests" / "seeds"
#: The seeds tests/integration/test_dialects_on_make_serve.py reads (theatre 000, 001; distribution
#: 004), by name, with the SHA-256 of the source documents they copy.
PINNED = {
    "000_82c7a9931759d8da.txt": "ae85eb764e7b2c23f37d6d6f950322204d46e25e3055e955ad45bce29eaab301",
    "001_6486064f5c195ad5.txt": "4430ee787fd5289a18f15ae4c622fd7f6d0e87ca870953ce1684c3498218544a",
    "004_002af2ac24613e83.txt": "4dcf963bf3f3b92107f28e9efeeefb04a76e915e3990089a968ac434653adf68",
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_vendored_seeds_are_the_source_documents_byte_for_byte() -> None:
    assert sorted(p.name for p in VENDORED_SEEDS.glob("*.txt")) == sorted(PINNED)
    for name, sha256 in PINNED.items():
        assert digest(VENDORED_SEEDS / name) == sha256, name


def test_where_the_shared_seeds_are_present_they_are_the_pinned_ones() -> None:
    shared = {name: SHARED_SEEDS / name for name in PINNED}
    present = {name: path for name, path in shared.items() if path.is_file()}
    # A clean clone (CI) has no ../shared: the pinned digests above are then the whole check.
    for name, path in present.items():
        assert digest(path) == PINNED[name], f"{path} changed: copy it to tests/seeds and pin it again"
    assert not SHARED_SEEDS.is_dir() or set(present) == set(PINNED)
