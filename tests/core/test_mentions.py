"""User text can never ping (issue 7.7): `quiet()` needs no word boundary, error replies are quieted,
and a `Post` pings nobody unless it names members."""
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
