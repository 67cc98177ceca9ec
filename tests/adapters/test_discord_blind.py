"""A blind question on the fake Discord, end to end through discord.py: its Answer button opens the
modal, the sent modal reaches the core as the member's `/answer` (posted nowhere: only a private note
back), `/answer` itself does the same, and at the close every answer appears in the thread for 👍."""
from datetime import timedelta

from bot.adapters.discord.render import ASK
from bot.core.chat import CommandInvoked

from .discord_world import discord_world, embed, fake, texts  # noqa: F401

ALICE_ANSWER = "Overfitting: the model memorises @everyone's noise and fails on new data."
BOB_ANSWER = "It does great on training data and badly on data it has never seen."


async def test_a_blind_answer_goes_through_the_modal_to_the_bot_alone(fake, tmp_path, clock):
    fake.allow_message_content = False  # the modal path of the proxy answers is there, and stays out of the way
    mod, alice = fake.member("Mo", admin=True), fake.member("Alice")
    bob, carol = fake.member("Bob"), fake.member("Carol")
    async with discord_world(fake, tmp_path, clock, discord_message_content=False) as world:
        await world.slash(mod, "qotd", "setup", time="08:00", tz="UTC", topics="open-qs", close="3h", blind="yes")
        await world.advance(timedelta(hours=1))
        [question] = [m for m in fake.bot_messages(fake.channel) if embed(m).get("title") == "Question of the day #1"]
        [custom_id] = [c["custom_id"] for row in question.components for c in row["components"]]
        assert custom_id.startswith(ASK)  # the core's Answer button, not the proxy answer's two

        opened = await fake.press(alice, question.id, custom_id)
        await fake.wait(lambda: fake.interactions[opened].responses)
        [modal] = fake.interactions[opened].responses
        assert modal["type"] == 9 and modal["data"]["title"] == "Your answer"
        submitted = await fake.submit(alice, modal["data"], ALICE_ANSWER)
        [sent] = await world.seen(lambda e: isinstance(e, CommandInvoked) and e.id == submitted)
        assert (sent.name, sent.text, sent.channel.channel) == ("answer", ALICE_ANSWER, fake.channel)
        await fake.wait(lambda: fake.answers(submitted))
        [note] = fake.answers(submitted)
        assert note.ephemeral and "Your answer to question #1 is in" in texts([note])
        answered = await world.slash(bob, "answer", text=BOB_ANSWER)
        assert all(m.ephemeral for m in answered) and "is in" in texts(answered)

        assert not fake.bot_messages(question.id)  # nothing in the thread
        public = texts(fake.bot_messages())
        assert "memorises" not in public and "never seen" not in public

        await world.advance(timedelta(hours=3))
        shown = fake.bot_messages(question.id)
        assert [embed(m)["title"] for m in shown] == ["Question #1: 2 answers", "Answer by Alice", "Answer by Bob"]
        assert embed(shown[1])["description"] == ALICE_ANSWER.replace("@everyone", "@\u200beveryone")
        await fake.wait(lambda: all(fake.bot.id in m.reactions.get("👍", []) for m in shown[1:]))
        assert not fake.messages[question.id].components  # no Answer button once the answers are closed
        await world.react(bob, shown[1].id, "👍")
        await world.react(carol, shown[1].id, "👍")
        await world.react(alice, shown[1].id, "👍")  # her own: never counts

        await world.advance(timedelta(hours=12))
        [reveal] = [m for m in fake.bot_messages(question.id) if embed(m).get("title") == "Question #1 is closed"]
        assert "Best answer: **Alice** (2 👍)" in texts([reveal])
