"""A day of the question of the day on the fake Discord, end to end through discord.py: setup by a
moderator, the scheduled embed and its thread, thread answers ✅'d, reaction upvotes (a self-vote
ignored), the reveal in the thread and the closed embed, the leaderboard; then the same with Message
Content off (the Answer modal), events delivered twice, a dropped gateway resumed, and user text full
of mentions echoed without pinging anyone."""
from datetime import timedelta

from bot.adapters.discord.render import ANSWER, EDIT_ANSWER
from bot.core.chat import MessageDeleted, MessageEdited, MessagePosted, ReactionChanged

from .discord_world import discord_world, embed, fake, texts  # noqa: F401

ALICE_ANSWER = "Overfitting is when a model memorises the noise of its training data."
BOB_ANSWER = "It does great on training data and badly on data it has never seen."


def question_of_the_day(fake):
    [question] = [m for m in fake.bot_messages(fake.channel) if embed(m).get("title") == "Question of the day #1"]
    return question


def points(board) -> dict[str, int]:
    """Name -> points, from a leaderboard embed."""
    found = {}
    for line in embed(board[-1])["description"].splitlines():
        if "**" in line:
            name, pts = line.split("**")[1], line.split("— ")[1].split(" pts")[0]
            found[name] = int(pts)
    return found


async def start_the_day(world, mod) -> str:
    """A moderator sets up 08:00 UTC; the clock reaches 08:00; returns the question's message id."""
    answer = await world.slash(mod, "qotd", "setup", time="08:00", tz="UTC", topics="open-qs")
    assert "Question of the day is set up" in texts(answer)
    await world.advance(timedelta(hours=1))
    return question_of_the_day(world.fake).id


async def test_a_whole_day(fake, tmp_path, clock):
    mod, alice, bob = fake.member("Mo", admin=True), fake.member("Alice"), fake.member("Bob")
    async with discord_world(fake, tmp_path, clock) as world:
        question_id = await start_the_day(world, mod)
        [setup] = fake.interactions.values()
        # the command was deferred privately, then answered in the open: placeholder gone, public followup
        assert setup.responses == [{"type": 5, "data": {"flags": 64}}]
        assert setup.original not in fake.messages and not fake.messages[setup.followups[0]].ephemeral

        question = fake.messages[question_id]
        shown = embed(question)
        assert shown["title"] == "Question of the day #1" and shown["description"]
        assert {f["name"] for f in shown["fields"]} >= {"Topic", "Difficulty"}
        thread = fake.channels[question_id]  # a thread started from a message shares its id
        assert thread["type"] == 11 and thread["parent_id"] == fake.channel

        a1 = await world.say(alice, ALICE_ANSWER, channel=question_id)
        b1 = await world.say(bob, BOB_ANSWER, channel=question_id)
        await fake.wait(lambda: fake.bot.id in fake.messages[b1].reactions.get("✅", []))
        assert fake.messages[a1].reactions["✅"] == [fake.bot.id]
        await world.react(alice, b1, "👍")
        await world.react(bob, b1, "👍")  # a self-vote: the core ignores it
        await world.react(bob, a1, "👎")

        await world.advance(timedelta(hours=23))
        [reveal] = [m for m in fake.bot_messages(question_id) if embed(m).get("title") == "Question #1 is closed"]
        assert "Best answer: **Bob** (1 👍)" in texts([reveal])
        closed = embed(fake.messages[question_id])
        assert closed["title"] == "Question of the day #1 (closed)"
        assert fake.calls_to("PATCH", rf"/channels/{fake.channel}/messages/{question_id}")

        board = await world.slash(alice, "leaderboard")
        assert points(board) == {"Bob": 10 + 2 + 5, "Alice": 10}  # answer, one peer upvote, best answer
        assert not board[-1].ephemeral
        # the bot's own messages and reactions (its ✅, the echo of everything it posted) never reach the core
        assert all(getattr(e, "member", None) is None or e.member.id != fake.bot.id for e in world.handled)


async def test_without_message_content_answers_come_through_a_modal(fake, tmp_path, clock):
    fake.allow_message_content = False
    mod, alice, bob = fake.member("Mo", admin=True), fake.member("Alice"), fake.member("Bob")
    async with discord_world(fake, tmp_path, clock, discord_message_content=False) as world:
        question_id = await start_the_day(world, mod)
        buttons = [c["custom_id"] for row in fake.messages[question_id].components for c in row["components"]]
        assert buttons == [ANSWER, EDIT_ANSWER]

        typed = await fake.say(bob, question_id, BOB_ANSWER)  # without the intent its text arrives empty
        opened = await fake.press(alice, question_id, ANSWER)
        await fake.wait(lambda: fake.interactions[opened].responses)
        [modal] = fake.interactions[opened].responses
        assert modal["type"] == 9  # a modal
        submitted = await fake.submit(alice, modal["data"], ALICE_ANSWER)
        [posted] = await world.seen(lambda e: isinstance(e, MessagePosted))
        assert posted.member.id == alice.id and posted.text == ALICE_ANSWER and posted.message.thread == question_id
        proxy = fake.messages[posted.message.id]
        assert proxy.author.bot and embed(proxy)["author"]["name"] == "Alice"
        assert embed(proxy)["description"] == ALICE_ANSWER
        await fake.wait(lambda: fake.bot.id in proxy.reactions.get("✅", []))
        assert "in the thread" in texts(fake.answers(submitted))
        assert all(e.message.id != typed for e in world.handled if hasattr(e, "message"))

        await world.react(bob, proxy.id, "👍")  # an upvote on the proxy counts for Alice
        edit = await fake.press(alice, question_id, EDIT_ANSWER)
        await fake.wait(lambda: fake.interactions[edit].responses)
        [modal] = fake.interactions[edit].responses
        assert modal["data"]["title"] == "Edit my answer"
        assert ALICE_ANSWER in str(modal["data"]["components"])  # prefilled with the answer
        await fake.submit(alice, modal["data"], ALICE_ANSWER + " Validation data shows it.")
        await world.seen(lambda e: isinstance(e, MessageEdited) and e.member.id == alice.id)
        assert embed(proxy)["description"].endswith("Validation data shows it.")

        await world.advance(timedelta(hours=23))
        [reveal] = [m for m in fake.bot_messages(question_id) if embed(m).get("title") == "Question #1 is closed"]
        assert "Best answer: **Alice** (1 👍)" in texts([reveal]) and "Validation data shows it." in texts([reveal])
        assert points(await world.slash(bob, "leaderboard")) == {"Alice": 10 + 2 + 5}
        assert not fake.messages[question_id].components  # the closed question has no Answer button


async def test_a_choice_question_is_answered_with_letter_reactions(fake, tmp_path, clock):
    fake.allow_message_content = False
    mod, alice, bob = fake.member("Mo", admin=True), fake.member("Alice"), fake.member("Bob")
    async with discord_world(fake, tmp_path, clock, discord_message_content=False) as world:
        await world.slash(mod, "qotd", "setup", time="08:00", tz="UTC", topics="choice-qs")
        await world.advance(timedelta(hours=1))
        question = question_of_the_day(fake)
        assert not question.components  # letters, not the Answer button, even without Message Content
        await fake.wait(lambda: all(fake.bot.id in question.reactions.get(x, []) for x in ("🇦", "🇧", "🇨")))
        await world.react(alice, question.id, "🇦")  # Recall: right
        await world.react(bob, question.id, "🇧")
        await world.advance(timedelta(hours=23))
        assert "Got it right: Alice" in texts(fake.bot_messages(question.id))
        assert points(await world.slash(bob, "leaderboard")) == {"Alice": 20, "Bob": 10}


async def test_an_emptied_modal_answer_is_withdrawn(fake, tmp_path, clock):
    fake.allow_message_content = False
    mod, alice = fake.member("Mo", admin=True), fake.member("Alice")
    async with discord_world(fake, tmp_path, clock, discord_message_content=False) as world:
        question_id = await start_the_day(world, mod)
        nothing = await fake.press(alice, question_id, EDIT_ANSWER)
        await fake.wait(lambda: fake.answers(nothing))
        assert "not answered yet" in fake.answers(nothing)[0].content
        opened = await fake.press(alice, question_id, ANSWER)
        await fake.wait(lambda: fake.interactions[opened].responses)
        await fake.submit(alice, fake.interactions[opened].responses[0]["data"], ALICE_ANSWER)
        [posted] = await world.seen(lambda e: isinstance(e, MessagePosted))
        edit = await fake.press(alice, question_id, EDIT_ANSWER)
        await fake.wait(lambda: fake.interactions[edit].responses)
        await fake.submit(alice, fake.interactions[edit].responses[0]["data"], "  ")
        await world.seen(lambda e: isinstance(e, MessageDeleted) and e.message.id == posted.message.id)
        assert posted.message.id not in fake.messages
        await world.advance(timedelta(hours=23))
        assert "Answered: 0" in texts(fake.bot_messages(question_id))


async def test_an_event_delivered_twice_counts_once(fake, tmp_path, clock):
    mod, alice, bob = fake.member("Mo", admin=True), fake.member("Alice"), fake.member("Bob")
    async with discord_world(fake, tmp_path, clock) as world:
        question_id = await start_the_day(world, mod)
        a1 = await world.say(alice, ALICE_ANSWER, channel=question_id)
        upvote = await fake.react(bob, a1, "👍")
        await fake.redeliver(upvote)
        await fake.redeliver(next(p["s"] for p in fake.log if p["t"] == "MESSAGE_CREATE" and p["d"]["id"] == a1))
        await world.seen(lambda e: isinstance(e, MessagePosted) and e.message.id == a1, count=2)
        assert len([e for e in world.handled if isinstance(e, ReactionChanged)]) == 2
        status = await fake.slash(mod, "qotd", "status")
        await fake.redeliver(fake.seq)  # the same interaction again: Discord refuses a second acknowledgement
        await world.seen(lambda e: getattr(e, "id", None) == status)
        assert len(fake.calls_to("POST", rf"/interactions/{status}/.*")) == 2

        await world.advance(timedelta(hours=23))
        assert fake.messages[a1].reactions["✅"] == [fake.bot.id]
        assert len(fake.calls_to("PUT", rf"/channels/{question_id}/messages/{a1}/reactions/✅/@me")) == 1
        assert points(await world.slash(alice, "leaderboard")) == {"Alice": 10 + 2 + 5}
        assert len([e for e in world.handled if getattr(e, "id", None) == status]) == 1


async def test_a_dropped_gateway_is_resumed_with_nothing_lost(fake, tmp_path, clock):
    mod, alice, bob = fake.member("Mo", admin=True), fake.member("Alice"), fake.member("Bob")
    async with discord_world(fake, tmp_path, clock) as world:
        question_id = await start_the_day(world, mod)
        await fake.drop()
        a1 = await fake.say(alice, question_id, ALICE_ANSWER)  # while the bot is disconnected
        await fake.react(bob, a1, "👍")
        await world.seen(lambda e: isinstance(e, ReactionChanged) and e.message.id == a1)
        assert fake.resumed == 1 and len(fake.identified) == 1  # resumed, not a new session
        await fake.wait(lambda: fake.bot.id in fake.messages[a1].reactions.get("✅", []))
        await world.advance(timedelta(hours=23))
        assert points(await world.slash(bob, "leaderboard")) == {"Alice": 10 + 2 + 5}


async def test_user_text_full_of_mentions_pings_nobody(fake, tmp_path, clock):
    mod, alice, bob = fake.member("Mo", admin=True), fake.member("@everyone"), fake.member("Bob")
    loud = f"@everyone @here <@{bob.id}> <@&{fake.mod_role}> overfitting means memorising the noise"
    async with discord_world(fake, tmp_path, clock) as world:
        question_id = await start_the_day(world, mod)
        a1 = await world.say(alice, loud, channel=question_id)
        await world.react(bob, a1, "👍")
        await world.slash(alice, "poll", "create", question=loud, options="@here yes | <@" + bob.id + "> no")
        await world.advance(timedelta(hours=23))
        echoed = [m for m in fake.messages.values() if m.author.bot]
        shown = texts(echoed)
        assert "@\u200beveryone" in shown and f"<\u200b@{bob.id}>" in shown  # the text is shown, made inert
        sent = [c.body for c in fake.calls if c.method in ("POST", "PATCH") and isinstance(c.body, dict)
                and (c.body.get("embeds") or c.body.get("content"))]
        assert len(sent) >= 7  # setup, question, poll, its confirmation, reveal, summary, closed question
        for body in sent:  # every message the bot sent or edited allows no pings at all
            allowed = body["allowed_mentions"]
            assert allowed["parse"] == [] and not allowed.get("users") and not allowed.get("roles"), body
            assert "<@" not in (body.get("content") or "") and "@everyone" not in (body.get("content") or "")
