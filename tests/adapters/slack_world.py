"""A Slack workspace for end-to-end tests: the fake Slack, and the real studybot Slack app wired as
`studybot slack` wires it (bot/__main__.py), on a ManualClock, with events delivered over Socket
Mode or as signed HTTP requests. Every delivery waits until the bot has handled the event."""
from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.__main__ import slack_running
from bot.config import load_settings
from bot.content import load_bank

from ..fakes import advance
from .fake_slack import APP_TOKEN, BOT_TOKEN, CHANNEL, SIGNING_SECRET, FakeSlack, HttpDelivery

BANK = Path(__file__).parent.parent / "data" / "bank"  # topics open-qs (open questions) and choice-qs
ADMIN, ALICE, BOB, CAROL, DAVE = "UADMIN", "UALICE", "UBOB", "UCAROL", "UDAVE"


@dataclass
class World:
    fake: FakeSlack
    adapter: object
    bot: object
    scheduler: object
    clock: object
    transport: str
    http: HttpDelivery | None = None

    async def deliver(self, kind: str, payload: dict, retry: int = 0):
        """Deliver like Slack does, then wait until the bot has handled it; returns the ack or HTTP status."""
        if self.http:
            answer = await self.http(kind, payload, retry)
        else:
            answer = await self.fake.envelope(kind, payload, retry)
        await self.adapter.settled()
        return answer

    async def command(self, user: str, line: str, channel: str = CHANNEL):
        command, _, text = line.partition(" ")
        return await self.deliver("slash_commands", self.fake.command(user, command, text, channel))

    async def say(self, user: str, text: str, thread: str | None = None) -> str:
        ts, payload = self.fake.say(user, text, thread)
        await self.deliver("events_api", payload)
        return ts

    async def react(self, user: str, ts: str, name: str, added: bool = True) -> None:
        await self.deliver("events_api", self.fake.react(user, ts, name, added))

    async def click(self, user: str, ts: str, action_id: str, **kw) -> None:
        await self.deliver("interactive", self.fake.click(user, ts, action_id, **kw))

    async def submit(self, view_id: str, text: str) -> None:
        await self.deliver("interactive", self.fake.submit(view_id, text))

    async def advance(self, delta: timedelta) -> None:
        await advance(self.bot, self.clock, delta)


@asynccontextmanager
async def slack_world(tmp_path, clock, transport: str = "socket", admins: str = "", bank: Path = BANK):
    fake = await FakeSlack().start()
    fake.add_user(ADMIN, "Ada", admin=True)
    for user, name in ((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol"), (DAVE, "Dave")):
        fake.add_user(user, name)
    settings = load_settings(database=tmp_path / "studybot.db", slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN,
                             slack_signing_secret=SIGNING_SECRET, slack_api_url=f"{fake.url}/api/",
                             slack_admin_user_ids=admins)
    http = transport == "http"
    try:
        async with slack_running(settings, http=http, port=0, host="127.0.0.1", clock=clock,
                                 bank=load_bank(bank, check_minimums=False)) as (adapter, bot, scheduler):
            delivery = HttpDelivery(f"http://127.0.0.1:{adapter.port}/slack/events") if http else None
            yield World(fake, adapter, bot, scheduler, clock, transport, delivery)
    finally:
        await fake.stop()
