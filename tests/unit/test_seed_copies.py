"""tests/seeds/ holds byte-for-byte copies of the seeds the dialect tests read (CI's clean clone has
no ../shared); they must not drift from ../shared/seeds where that exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import ROOT

SHARED_SEEDS = ROOT.parent / "shared" / "seeds"
VENDORED_SEEDS = ROOT / "tests" / "seeds"
#: The seeds tests/integration/test_dialects_on_make_serve.py reads: theatre (000, 001), distribution (004).
NEEDED = ("000", "001", "004")


def _one(directory: Path, prefix: str) -> Path:
    found = sorted(directory.glob(f"{prefix}_*.txt"))
    assert len(found) == 1, f"{directory}: expected one {prefix}_*.txt, found {found}"
    return found[0]


def test_given_the_repository_then_every_needed_seed_is_vendored_and_not_empty() -> None:
    for prefix in NEEDED:
        assert _one(VENDORED_SEEDS, prefix).stat().st_size > 0


@pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="no ../shared/seeds next to this checkout")
def test_given_shared_seeds_then_the_vendored_copies_equal_them_byte_for_byte() -> None:
    for prefix in NEEDED:
        shared, vendored = _one(SHARED_SEEDS, prefix), _one(VENDORED_SEEDS, prefix)
        assert vendored.name == shared.name
        assert vendored.read_bytes() == shared.read_bytes(), f"{vendored} differs from {shared}"
