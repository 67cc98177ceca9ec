"""Polls, quizzes, practice and permissions on the fake Discord, end to end through discord.py; and
the port's read-backs (find by invisible key, thread replies, reactions) against it."""
from datetime import timedelta

from bot.core.chat import ButtonPressed, ChannelRef, MessageRef, Post, ReactionChanged, ThreadRef

from .discord_world import discord_world, embed, fake, texts  # noqa: F401
from .test_discord_day import ALICE_ANSWER, start_the_day

KEYCAPS = ("1️⃣", "2️⃣", "3️⃣")


def titled(fake, title: str, channel: str | None = None):
    return [m for m in fake.bot_messages(channel or fake.channel) if embed(m).get("title") == title]


async def test_a_poll_voted_by_reactions_with_one_vote_changed(fake, tmp_path, clock):
    alice, bob, carol = fake.member("Alice"), fake.member("Bob"), fake.member("Carol")
    fake.failing.append(("POST", rf"/channels/{fake.channel}/messages", 429))  # discord.py waits and retries
    async with discord_world(fake, tmp_path, clock) as world:
        answer = await world.slash(alice, "poll", "create", question="Which topic next week?",
                                   options="Trees | SVMs | Transformers", duration="1h")
        assert answer[0].ephemeral and "Poll #1 is up" in texts(answer)
        [poll] = titled(fake, "Poll #1")
        assert len(fake.calls_to("POST", rf"/channels/{fake.channel}/messages")) >= 2  # the 429, then the post
        await fake.wait(lambda: all(fake.bot.id in poll.reactions.get(k, []) for k in KEYCAPS))

        await world.react(bob, poll.id, KEYCAPS[0])
        await world.react(bob, poll.id, KEYCAPS[1])  # Bob changes his mind: the bot removes his 1️⃣
        await world.seen(lambda e: isinstance(e, ReactionChanged) and e.member.id == bob.id and not e.added)
        assert fake.calls_to("DELETE", rf"/channels/{fake.channel}/messages/{poll.id}/reactions/1️⃣/{bob.id}")
        assert bob.id not in poll.reactions[KEYCAPS[0]]
        await world.react(carol, poll.id, KEYCAPS[1])
        await world.react(alice, poll.id, KEYCAPS[2])

        await world.advance(timedelta(hours=1))
        [results] = titled(fake, "Poll #1 results")
        shown = texts([results])
        assert "Winner: 2️⃣ SVMs with 2 votes" in shown and "Voters: 3" in shown
        assert "2️⃣ ███████░░░ 67% (2 votes) SVMs" in shown


async def test_a_quiz_answered_by_buttons_one_press_after_a_restart(fake, tmp_path, clock):
    alice, bob, carol = fake.member("Alice"), fake.member("Bob"), fake.member("Carol")
    async with discord_world(fake, tmp_path, clock) as world:
        await world.slash(alice, "quiz", "start", topic="choice-qs", count=1, seconds=30)
        assert titled(fake, "Quiz time!")
        [question] = titled(fake, "Quiz 1/1")
        buttons = {c["label"]: c["custom_id"] for row in question.components for c in row["components"]}
        assert list(buttons) == ["Recall", "Precision", "Specificity"]
        assert all(custom_id.startswith("quiz:") for custom_id in buttons.values())
        locked = await world.press(bob, question.id, buttons["Recall"])
        assert [m.ephemeral for m in locked] == [True] and "Locked in: **Recall**" in texts(locked)

    async with discord_world(fake, tmp_path, clock) as world:  # a restart: the old message's buttons still work
        locked = await world.press(carol, question.id, buttons["Precision"])
        assert [m.ephemeral for m in locked] == [True] and "Locked in: **Precision**" in texts(locked)
        await world.advance(timedelta(seconds=30))
        [reveal] = titled(fake, "Quiz 1/1: the answer")
        assert "Got it right: Bob (+" in texts([reveal]) and "Answered: 2" in texts([reveal])
        [board] = titled(fake, "Quiz over: the scoreboard")
        assert "**Bob** — 1" in texts([board]) and "**Carol** — 0 pts" in texts([board])


async def test_practice_is_private(fake, tmp_path, clock):
    alice = fake.member("Alice")
    async with discord_world(fake, tmp_path, clock) as world:
        [question] = await world.slash(alice, "practice", "start", topic="choice-qs")
        assert question.ephemeral and embed(question)["title"] == "Practice 1/1"
        [right] = [c["custom_id"] for row in question.components for c in row["components"] if c["label"] == "Recall"]
        done = await world.press(alice, question.id, right)
        assert [m.ephemeral for m in done] == [True] and "Practice done" in texts(done)
        assert not [m for m in fake.bot_messages() if "Practice" in texts([m])]  # nothing public


async def test_a_member_without_manage_server_is_refused_even_if_discord_lets_the_call_through(fake, tmp_path, clock):
    mod, alice = fake.member("Mo", admin=True), fake.member("Alice")
    async with discord_world(fake, tmp_path, clock) as world:
        await world.slash(mod, "qotd", "setup", time="08:00", tz="UTC", topics="open-qs")
        refused = await world.slash(alice, "qotd", "now")  # the fake ignores default_member_permissions
        assert [m.ephemeral for m in refused] == [True] and "Only admins can use `/qotd now`" in texts(refused)
        assert not titled(fake, "Question of the day #1")
        posted = await world.slash(mod, "qotd", "now")
        assert "Posted question #1" in texts(posted) and titled(fake, "Question of the day #1")


async def test_topics_and_zones_are_suggested_as_a_member_types(fake, tmp_path, clock):
    mod = fake.member("Mo", admin=True)
    async with discord_world(fake, tmp_path, clock):
        zone = await fake.slash(mod, "qotd", "setup", focused="tz", time="08:00", tz="Europe/Berl")
        topics = await fake.slash(mod, "quiz", "start", focused="topic", topic="choice-qs,op")
        await fake.wait(lambda: fake.interactions[zone].responses and fake.interactions[topics].responses)
    [zones] = fake.interactions[zone].responses
    assert zones["type"] == 8 and zones["data"]["choices"] == [{"name": "Europe/Berlin", "value": "Europe/Berlin"}]
    [chosen] = fake.interactions[topics].responses
    assert chosen["data"]["choices"] == [{"name": "choice-qs,open-qs", "value": "choice-qs,open-qs"}]


async def test_a_late_reply_is_marked_and_whispered_by_direct_message(fake, tmp_path, clock):
    mod, alice = fake.member("Mo", admin=True), fake.member("Alice")
    async with discord_world(fake, tmp_path, clock) as world:
        question_id = await start_the_day(world, mod)
        await world.advance(timedelta(hours=23))
        late = await world.say(alice, ALICE_ANSWER, channel=question_id)
        await fake.wait(lambda: fake.bot.id in fake.messages[late].reactions.get("⏰", []))
        [dm] = [c for c in fake.channels.values() if c.get("dm_of") == alice.id]
        [note] = fake.bot_messages(dm["id"])
        assert "closed" in texts([note]) and note.allowed_mentions["parse"] == []


async def test_the_port_reads_back_what_is_on_discord(fake, tmp_path, clock):
    mod, alice, bob = fake.member("Mo", admin=True), fake.member("Alice"), fake.member("Bob")
    async with discord_world(fake, tmp_path, clock) as world:
        chat, channel = world.client.chat, ChannelRef("discord", fake.guild_id, fake.channel)
        question_id = await start_the_day(world, mod)
        a1 = await world.say(alice, ALICE_ANSWER, channel=question_id)
        await world.say(bob, "Short one.", channel=question_id)
        await world.react(bob, a1, "👍")
        await chat.react(MessageRef(channel, a1, question_id), "👍")  # the bot's own reaction is not read back

        replies = await chat.replies(ThreadRef(channel, question_id))
        assert [(r.member.name, r.text) for r in replies] == [("Alice", ALICE_ANSWER), ("Bob", "Short one.")]
        assert replies[0].message == MessageRef(channel, a1, question_id)
        assert await chat.reactions(replies[0].message) == {"👍": {bob.id}}  # ✅ and 👍 of the bot left out

        sent = await chat.send(channel, Post(title="Hello", footer="Visible footer.", key="outbox:42"))
        footer = embed(fake.messages[sent.id])["footer"]["text"]
        assert footer.startswith("Visible footer.") and footer.isprintable() is False and "outbox" not in footer
        assert await chat.find(channel, "outbox:42") == sent
        assert await chat.find(channel, "outbox:43") is None
        assert (await chat.open_thread(MessageRef(channel, question_id), "again")).id == question_id  # idempotent

        unseen = fake.add_thread(fake.channel, fake.snowflake(), "made while the bot was away", alice)["id"]
        assert await chat.place(int(fake.guild_id), int(unseen)) == (channel, unseen)  # read from Discord
        assert await chat.place(int(fake.guild_id), int(fake.channel)) == (channel, None)
        assert len(fake.calls_to("GET", rf"/channels/{unseen}")) == 1


async def test_a_whisper_carries_buttons_to_a_direct_message_and_a_press_there_counts(fake, tmp_path, clock):
    """Self-review after the reveal: each member who answered gets the three buttons as a direct message;
    a press in the DM reaches the core as a press in the question's channel, answered in the DM."""
    mod, alice = fake.member("Mo", admin=True), fake.member("Alice")
    async with discord_world(fake, tmp_path, clock) as world:
        question_id = await start_the_day(world, mod)
        await world.say(alice, ALICE_ANSWER, channel=question_id)
        await world.advance(timedelta(days=1))
        [dm] = [m for m in fake.bot_messages() if embed(m).get("title") == "Question #1: how did your answer do?"]
        assert fake.channels[dm.channel_id]["dm_of"] == alice.id
        buttons = {c["label"]: c["custom_id"] for row in dm.components for c in row["components"]}
        assert list(buttons) == ["Covered it", "Partly", "Missed it"]
        noted = await world.press(alice, dm.id, buttons["Missed it"])
        assert "Noted: **Missed it**" in texts(noted) and all(m.channel_id == dm.channel_id for m in noted)
        [pressed] = [e for e in world.handled if isinstance(e, ButtonPressed)]
        assert pressed.message.channel == ChannelRef("discord", fake.guild_id, fake.channel)
        post = await world.bot.store.post(1)
        assert await world.bot.store.card(1, alice.id, post.question_id) is not None
