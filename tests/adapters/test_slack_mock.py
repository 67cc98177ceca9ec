"""Mock-interview pairs on the fake Slack, through the real app: a group DM per pair
(conversations.open), interviewer packs as ephemeral notes to the interviewer alone, and the
feedback form's buttons pressed in the group DM."""
from datetime import timedelta

from bot.core.chat import ChannelRef, Post

from .fake_slack import CHANNEL, TEAM
from .slack_world import ADMIN, ALICE, BOB, slack_world

HERE = ChannelRef("slack", TEAM, CHANNEL)


async def test_open_private_is_one_group_dm_for_the_same_people(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        chat = w.adapter.chat
        room = await chat.open_private(HERE, (ALICE, BOB), "Mock interview 21 Nov · Alice & Bob")
        assert room == await chat.open_private(HERE, (BOB, ALICE), "another name, the same people")
        assert room.group == TEAM and room.channel != CHANNEL
        assert w.fake.called("conversations.open")[0].params["users"] == f"{ALICE},{BOB}"
        sent = await chat.send(room, Post(title="Hello, pair", key="mock:1:intro"))
        assert w.fake.posts()[-1].params["channel"] == room.channel
        assert await chat.find(room, "mock:1:intro") == sent


async def test_a_mock_week_on_slack(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.command(ADMIN, "/mock setup day:sat time:10:00 tz:UTC length:40m")
        await w.command(ALICE, "/mock join")
        await w.command(BOB, "/mock join")
        await w.advance(timedelta(days=1, hours=3, minutes=40))  # paired Friday, the slot ends Saturday
        [room] = w.fake.group_dms.values()
        in_room = [c.params for c in w.fake.posts() if c.params["channel"] == room]
        titles = [p["blocks"][0]["text"]["text"] for p in in_room]
        assert titles[0].startswith("Mock interview —") and "Swap roles 🔄" in titles
        assert not any("Listen for" in p["text"] for p in in_room)
        for user, other in ((ALICE, "Bob"), (BOB, "Alice")):  # each pack only the interviewer can see
            [pack] = [e for e in w.fake.ephemerals(user) if "interviewer pack" in e["text"]]
            assert pack["channel"] == CHANNEL and f"You interview *{other}*" in pack["text"]
        form = next(p for p in in_room if p["blocks"][0]["text"]["text"] == "Feedback for Bob")
        actions = {e["text"]["text"]: e["action_id"] for b in form["blocks"] if b["type"] == "actions"
                   for e in b["elements"]}
        ts = next(c.result["ts"] for c in w.fake.posts() if c.params is form)
        for label in ("Clarity 4", "Depth 4", "Structure 5"):
            await w.click(ALICE, ts, actions[label], channel=room)
        assert any("Sent to Bob privately" in r["text"] for r in w.fake.ephemerals(ALICE))
        assert any("Clarity 4/5 · Depth 4/5 · Structure 5/5" in e["text"] for e in w.fake.ephemerals(BOB))
