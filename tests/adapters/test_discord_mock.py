"""Mock-interview pairs on the fake Discord, end to end through discord.py: a private thread per pair
(not invitable, its members added), interviewer packs by direct message, and the feedback form's
buttons pressed inside the private thread."""
from datetime import timedelta

from bot.core.chat import ChannelRef, Post

from .discord_world import discord_world, embed, fake, texts  # noqa: F401

PRIVATE_THREAD = 12


async def test_open_private_makes_one_private_thread_with_its_members(fake, tmp_path, clock):
    alice, bob = fake.member("Alice"), fake.member("Bob")
    async with discord_world(fake, tmp_path, clock) as world:
        chat, channel = world.client.chat, ChannelRef("discord", fake.guild_id, fake.channel)
        room = await chat.open_private(channel, (alice.id, bob.id), "Mock interview 21 Nov · Alice & Bob")
        again = await chat.open_private(channel, (alice.id, bob.id), "Mock interview 21 Nov · Alice & Bob")
        assert room == again and room.group == fake.guild_id and room.channel != fake.channel
        [created] = fake.calls_to("POST", rf"/channels/{fake.channel}/threads")  # a retry opens no second one
        assert created.body["type"] == PRIVATE_THREAD and created.body["invitable"] is False
        thread = fake.channels[room.channel]
        assert thread["type"] == PRIVATE_THREAD and thread["parent_id"] == fake.channel
        assert set(thread["members"]) == {fake.bot.id, alice.id, bob.id}
        sent = await chat.send(room, Post(title="Hello, pair", key="mock:1:intro"))
        assert fake.messages[sent.id].channel_id == room.channel
        assert await chat.find(room, "mock:1:intro") == sent
        assert await chat.place(int(fake.guild_id), int(room.channel)) == (channel, room.channel)


async def test_a_mock_week_on_discord(fake, tmp_path, clock):
    mod, alice, bob = fake.member("Mo", admin=True), fake.member("Alice"), fake.member("Bob")
    async with discord_world(fake, tmp_path, clock) as world:
        answer = await world.slash(mod, "mock", "setup", day="sat", time="10:00", tz="UTC", length="40m")
        assert "Mock interviews are set up" in texts(answer)
        for member in (alice, bob):
            joined = await world.slash(member, "mock", "join")
            assert joined[0].ephemeral and "You are in for the mock interviews" in texts(joined)
        await world.advance(timedelta(days=1, hours=3, minutes=40))  # paired Friday, the slot ends Saturday
        [room] = [c for c in fake.channels.values() if c["type"] == PRIVATE_THREAD]
        assert set(room["members"]) == {fake.bot.id, alice.id, bob.id}
        titles = [embed(m).get("title", "") for m in fake.bot_messages(room["id"])]
        assert titles[0].startswith("Mock interview —") and "Swap roles 🔄" in titles
        for member in (alice, bob):  # each pack came by direct message, to the interviewer alone
            [dm] = [c for c in fake.channels.values() if c.get("dm_of") == member.id]
            [pack] = fake.bot_messages(dm["id"])
            other = bob if member is alice else alice
            assert embed(pack)["title"].startswith("Your interviewer pack") and f"You interview **{other.name}**" in texts([pack])
            assert not any("Listen for" in texts([m]) for m in fake.bot_messages(room["id"]))

        [form] = [m for m in fake.bot_messages(room["id"]) if embed(m).get("title") == "Feedback for Bob"]
        buttons = {c["label"]: c["custom_id"] for row in form.components for c in row["components"]}
        assert len(buttons) == 16 and len(form.components) == 4  # rows of five: clarity, depth, structure, absent
        refused = await world.press(bob, form.id, buttons["Clarity 3"])
        assert refused[0].ephemeral and "This form is Alice's" in texts(refused)
        for label in ("Clarity 4", "Depth 4"):
            await world.press(alice, form.id, buttons[label])
        sent = await world.press(alice, form.id, buttons["Structure 5"])
        assert sent[0].ephemeral and "Sent to Bob privately" in texts(sent) and "+15 points" in texts(sent)
        [dm] = [c for c in fake.channels.values() if c.get("dm_of") == bob.id]
        assert "Clarity 4/5 · Depth 4/5 · Structure 5/5" in texts(fake.bot_messages(dm["id"]))
