import logging
from datetime import datetime

import pytest

from bot.content import bundled_dir, load_bank
from bot.core.app import StudyBot
from bot.core.clock import UTC, ManualClock
from bot.store import Store

from .fakes import FakeChat

_BANK = None


def bank():
    """The bundled bank, loaded once per test session."""
    global _BANK
    if _BANK is None:
        _BANK = load_bank(bundled_dir(), check_minimums=False)
    return _BANK


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 20, 7, 0, tzinfo=UTC))  # a Friday


@pytest.fixture
def chat():
    return FakeChat()


@pytest.fixture
async def make_bot(tmp_path, chat, clock):
    """Build a StudyBot on a real SQLite file; calling it again is a restart on the same file."""
    stores = []

    async def make(**kwargs):
        store = await Store.open(tmp_path / "studybot.db")
        stores.append(store)
        platform = kwargs.pop("chat", chat)
        platform.store = store  # the fake refuses a platform call made inside a unit of work
        bot = StudyBot(store, kwargs.pop("bank", None) or bank(), platform, kwargs.pop("clock", clock), **kwargs)
        bot.deliver = bot.handle  # an event the platform already shows (a re-delivery)

        async def handle(event):  # a member acts: the platform shows it, then tells the bot
            if hasattr(platform, "apply"):
                platform.apply(event, bot.clock.now())
            await bot.deliver(event)

        bot.handle = handle
        return bot

    yield make
    for store in stores:
        try:
            await store.close()
        except Exception:
            pass


@pytest.fixture(autouse=True)
def no_error_logs(caplog):
    """The bot logs unexpected failures instead of raising them: a test fails on any ERROR log."""
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, "\n".join(r.getMessage() + "\n" + (r.exc_text or "") for r in errors)
