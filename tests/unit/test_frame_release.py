"""The month's frame forgets a programme's inputs once their last reader has run."""

from aidsim.engine.step import _last_readers
from aidsim.programmes.base import Frame


def test_each_releasable_key_goes_after_its_last_reader():
    keys = ["draws.a", "draws.b", "incomes.earned", "assessed.earned", "household.alive_count"]
    reads = [("draws.a", "assessed.earned"), ("draws.b", "draws.a", "household.alive_count"), ()]
    after = _last_readers(keys, reads)
    # draws.a is read by programmes 0 and 1, so it goes after 1; nobody reads incomes.earned, so it
    # goes before the first (the last list); household.alive_count is never released (the books read it).
    assert after == [["assessed.earned"], ["draws.a", "draws.b"], [], ["incomes.earned"]]


def test_release_forgets_only_present_keys():
    frame = Frame(0, None, None, {"draws.a": 1, "x.y": 2})
    frame.release(["draws.a", "draws.missing"])
    assert "draws.a" not in frame and frame["x.y"] == 2
