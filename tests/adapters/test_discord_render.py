"""The Discord adapter's pure parts: a Post as an embed (limits, timestamps, links, pings, the invisible
key), slash-command invocations turned back into the core's text, autocomplete, and the command
table's picker metadata agreeing with its parsers."""
from datetime import datetime, timezone

import pytest

from bot.adapters.discord import appcommands, render
from bot.core.chat import Button, ChannelRef, MessageRef, Post
from bot.core.commands import COMMANDS, parse

USER, SUB = 6, 1


def test_a_key_hides_in_the_footer_and_reads_back():
    for key in ("qotd:12", "poll:3:results", "ключ ✅"):
        hidden = render.mark(key)
        assert hidden and all(not c.isprintable() or c in "\u200b\u200c\u200d\u2060\u2063" for c in hidden)
        assert render.read_mark("Closes soon." + hidden) == key
    assert render.read_mark("no key here") == "" and render.read_mark(None) == "" and render.mark("") == ""


async def test_a_post_becomes_an_embed_within_discord_limits():
    closes = datetime(2026, 11, 21, 7, 0, tzinfo=timezone.utc)
    link = MessageRef(ChannelRef("discord", "1", "2"), "3", "4")
    post = Post(title="T" * 300, body="**bold** body", fields=tuple((f"f{i}", "v") for i in range(30)),
                footer="Answer in the thread.", key="qotd:1", link=link, closes_at=closes)
    e = render.embed(post).to_dict()
    assert len(e["title"]) == 256 and e["title"].endswith("…")
    assert e["description"] == "**bold** body\n\n[Jump to the message](https://discord.com/channels/1/4/3)"
    assert len(e["fields"]) == 25
    assert e["footer"]["text"].startswith("Answer in the thread.") and render.read_mark(e["footer"]["text"]) == "qotd:1"
    with_time = render.embed(Post(title="Q", closes_at=closes)).to_dict()
    assert with_time["fields"] == [{"name": "Closes", "value": f"<t:{int(closes.timestamp())}:R> · "
                                    f"<t:{int(closes.timestamp())}:f>", "inline": True}]


async def test_only_the_pinged_members_can_be_mentioned():
    quiet = render.message(Post(body="@everyone <@123>"))
    assert quiet["content"] is None and quiet["allowed_mentions"].to_dict() == {"parse": [], "users": []}
    loud = render.message(Post(body="your turn", ping=("123", "<@&9>")))
    assert loud["content"] == "<@123>"
    assert loud["allowed_mentions"].to_dict() == {"parse": [], "users": [123]}


async def test_buttons_carry_the_core_ids_and_long_labels_stay_readable():
    long = "A very long option that explains a great deal more than eighty characters would ever allow"
    kwargs = render.message(Post(body="Pick one", buttons=(Button("quiz:1:0:0", "Short"), Button("quiz:1:0:1", long))))
    view = kwargs["view"]
    assert [b.custom_id for b in view.children] == ["quiz:1:0:0", "quiz:1:0:1"]
    assert all(len(b.label) <= 80 for b in view.children) and view.children[1].label.startswith("2. ")
    assert view.is_finished()  # discord.py keeps no state for it: presses arrive by custom id
    assert f"**2.** {long}" in kwargs["embed"].description
    assert "view" not in render.message(Post(body="no buttons")) and render.message(Post(), edit=True)["view"] is None


@pytest.mark.parametrize("data, name, text", [
    ({"name": "poll", "options": [{"type": SUB, "name": "create", "options": [
        {"name": "question", "type": 3, "value": "Which topic next week?"},
        {"name": "options", "type": 3, "value": "Trees | SVMs"}]}]},
     "poll", 'question:"Which topic next week?" options:"Trees | SVMs"'),
    ({"name": "poll", "options": [{"type": SUB, "name": "close"}]}, "poll", "close"),
    ({"name": "qotd", "options": [{"type": SUB, "name": "setup", "options": [
        {"name": "time", "type": 3, "value": "09:00"}, {"name": "tz", "type": 3, "value": "Europe/Berlin"}]}]},
     "qotd", "setup time:09:00 tz:Europe/Berlin"),
    ({"name": "quiz", "options": [{"type": SUB, "name": "start",
                                   "options": [{"name": "count", "type": 4, "value": 3}]}]}, "quiz", "count:3"),
    ({"name": "streak", "options": [{"name": "member", "type": USER, "value": "123"}]}, "streak", "<@123>"),
    ({"name": "leaderboard"}, "leaderboard", ""),
    ({"name": "gone", "options": [{"name": "x", "type": 3, "value": "y"}]}, "gone", "x:y"),
])
def test_an_invocation_is_the_text_the_console_would_type(data, name, text):
    assert appcommands.invocation(data) == (name, text)


def test_quoted_values_come_back_whole():
    for value in ('He said "hi"', 'both " and ”', "", "plain", "two words"):
        name, text = appcommands.invocation({"name": "poll", "options": [{"type": SUB, "name": "create", "options": [
            {"name": "question", "type": 3, "value": value}, {"name": "options", "type": 3, "value": "a | b"}]}]})
        expected = value.replace('"', "'") if '"' in value and "”" in value else value
        assert parse(name, text).options["question"] == expected


def valid(option) -> str:
    """A value the option's own parser accepts."""
    for candidate in (*option.choices, "09:00", "1", "a | b"):
        try:
            option.parse(candidate)
            return candidate
        except ValueError:
            pass
    raise AssertionError(option.name)


def test_every_synced_command_parses_in_the_core():
    for command in COMMANDS.values():
        top, _, sub = command.name.partition(" ")
        options = [{"name": o.name, "type": 3, "value": valid(o)} for o in command.options if o.required]
        data = {"name": top, "options": options}
        if sum(name.split()[0] == top for name in COMMANDS) > 1:
            data["options"] = [{"type": SUB, "name": sub or appcommands.BARE.get(top, "start"), "options": options}]
        name, text = appcommands.invocation(data)
        assert parse(name, text).command is command


def test_the_picker_metadata_agrees_with_the_parsers():
    for command in COMMANDS.values():
        for o in command.options:
            for choice in o.choices:
                o.parse(choice)
            if o.minimum is not None:
                o.parse(str(o.minimum)), o.parse(str(o.maximum))
                for outside in (o.minimum - 1, o.maximum + 1):
                    with pytest.raises(ValueError):
                        o.parse(str(outside))
            assert o.suggest in ("", "topics", "zones")


def test_suggestions_complete_zones_and_topic_lists():
    zones = appcommands.suggestions("zones", "berl", [])
    assert zones[0] == ("Europe/Berlin", "Europe/Berlin") and len(appcommands.suggestions("zones", "", [])) == 25
    topics = ["ml-fundamentals", "evaluation-metrics", "statistics"]
    assert appcommands.suggestions("topics", "ml-fundamentals,eva", topics) == \
        [("ml-fundamentals,evaluation-metrics", "ml-fundamentals,evaluation-metrics")]
    assert [v for _, v in appcommands.suggestions("topics", "", topics)] == topics
