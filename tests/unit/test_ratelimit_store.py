"""The bounded in-memory rate-limit store: it enforces limits, forgets expired windows, and its
size stays within its bound however many visitors it sees."""
from __future__ import annotations

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from campaign import ratelimit
from campaign.ratelimit import BoundedMemoryStorage


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(ratelimit.time, "time", fake)
    return fake


def test_store_enforces_a_limit_per_visitor_and_window(clock: Clock) -> None:
    """The 11th sign-up in a minute is refused; another visitor is not; the next window is open."""
    limiter = FixedWindowRateLimiter(BoundedMemoryStorage())
    per_minute = parse("10/minute")
    assert all(limiter.hit(per_minute, "visitor-a") for _ in range(10))
    assert not limiter.hit(per_minute, "visitor-a")
    assert limiter.hit(per_minute, "visitor-b")
    clock.now += 61
    assert limiter.hit(per_minute, "visitor-a")


def test_expired_windows_are_dropped_by_later_hits(clock: Clock) -> None:
    """Visitors who left are forgotten once their window ends: the store does not keep them."""
    store = BoundedMemoryStorage()
    for n in range(1000):
        store.incr(f"gone-{n}", 60)
    assert store.size == 1000
    clock.now += 61
    store.incr("new-visitor", 60)
    assert store.size == 1
    assert store.get("gone-1") == 0


def test_store_stays_bounded_under_a_flood_of_distinct_visitors(clock: Clock) -> None:
    """A flood of new addresses never grows the store past its bound; live visitors keep counting."""
    store = BoundedMemoryStorage(max_keys=500)
    for n in range(5000):
        store.incr(f"flood-{n}", 3600)
        clock.now += 0.01
        assert store.size <= 500
    assert store.incr("flood-4999", 3600) == 2  # the newest counters are the ones kept


def test_app_uses_the_bounded_store_without_redis_and_redis_with_it() -> None:
    """The setting picks the store: bounded memory by default, Redis when REDIS_URL is set."""
    import tempfile

    from campaign.config import load

    with tempfile.TemporaryDirectory() as folder:
        plain = load(folder, {"SECRET_KEY": "k" * 20})
        assert plain["RATELIMIT_STORAGE_URI"] == "bounded-memory://"
        store = storage_from_string(plain["RATELIMIT_STORAGE_URI"], **plain["RATELIMIT_STORAGE_OPTIONS"])
        assert isinstance(store, BoundedMemoryStorage) and store.max_keys == 100_000
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("REDIS_URL", "redis://127.0.0.1:6379/7")
            redis = load(folder, {"SECRET_KEY": "k" * 20})
        assert redis["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/7"
        assert redis["RATELIMIT_STORAGE_OPTIONS"] == {}
