"""Untrusted input (issue 7.6, 7.7): user text never pings (`quiet()` needs no word boundary, error replies
are quieted, a `Post` pings nobody by default), odd text and forged button ids are handled."""
import pytest

from bot.core.chat import Post, quiet

from ..fakes import command, member


@pytest.mark.parametrize("text", ["@here2", "@everyone_x", "@everyoneé", "@EVERYONE", "hi @here!", "@channel",
                                  "<!here>", "<!channel>", "<@U123>", "<#C1>", "<@&42>"])
def test_no_mention_survives_quiet(text):
    quieted = quiet(text)
    assert "@everyone" not in quieted.lower() and "@here" not in quieted.lower() and "@channel" not in quieted.lower()
    assert not any(f"<{c}" in quieted for c in "@#!")


def test_quiet_keeps_ordinary_text():
    assert quiet("mail me @ home, a<b and x@y.z") == "mail me @ home, a<b and x@y.z"


def test_a_post_pings_nobody_by_default():
    assert Post(body="hi").ping == ()


async def test_error_replies_echo_option_values_quietly(make_bot, chat):
    bot = await make_bot()
    await bot.handle(command(member("ann", admin=True), "qotd", "setup time:09:00 topics:@everyone"))
    body = chat.last().post.body
    assert chat.last().private and "everyone" in body and "@everyone" not in body
    await bot.handle(command(member("ann"), "leaderboard", "period:<!here>"))
    assert "<!here>" not in chat.last().post.body


async def test_a_lone_surrogate_in_a_name_or_answer_locks_nobody_out(make_bot, chat, clock):
    """Issue 7.6: JSON payloads can carry "\\ud800"; SQLite refused it, and its member could do nothing."""
    from datetime import timedelta

    from ..fakes import advance, reply
    bot = await make_bot()
    odd = member("odd\ud800name")
    await bot.handle(command(member("ada", admin=True), "qotd", "setup time:09:00 tz:UTC topics:behavioural"))
    await advance(bot, clock, timedelta(hours=2, minutes=1))
    question = next(s for s in chat.sent if s.post.key == "qotd:1")
    await bot.handle(reply(odd, f"t-{question.ref.id}", "an answer with a \ud800 surrogate in it", "s1"))
    await bot.handle(command(odd, "poll", 'question:"Which \ud800?" options:"A\ud800 | B"'))
    assert [a.text for a in await bot.store.answers(1)] == ["an answer with a \ufffd surrogate in it"]
    assert chat.last().post.body.startswith("Poll #1 is up")


@pytest.mark.parametrize("button", ["quiz:99999999999999999999:0:0", "practice:1:0:18446744073709551616",
                                    "quiz:1:2:3:4", "quiz:-1:0:0", "quiz:١:٠:٠"])
async def test_forged_button_ids_are_not_ours(make_bot, chat, button):
    from bot.core.chat import ButtonPressed, MessageRef

    from ..fakes import CHANNEL
    bot = await make_bot()
    await bot.handle(ButtonPressed(MessageRef(CHANNEL, "m1"), member("eve"), button, "forged"))
    assert all("went wrong" not in s.post.body for s in chat.sent)


async def test_the_fake_platform_refuses_a_call_inside_a_unit_of_work(make_bot, chat):
    """The guard behind every core test: the one-writer rule is checked, not just claimed."""
    from ..fakes import CHANNEL
    bot = await make_bot()
    with pytest.raises(AssertionError, match="while a database transaction is open"):
        async with bot.store.transaction():
            await chat.send(CHANNEL, Post(body="too early"))
    await chat.send(CHANNEL, Post(body="after the commit"))
