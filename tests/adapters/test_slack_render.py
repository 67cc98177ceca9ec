"""Block Kit rendering: light markdown to mrkdwn, escaping as the second lock against pings, dates in
each reader's zone, jump links, button ids, Slack's size limits, and emoji names both ways."""
from datetime import datetime, timezone

from bot.adapters.slack_adapter.render import blocks, chunks, cut, emoji_from, emoji_name, fallback, mrkdwn
from bot.core.chat import Button, ChannelRef, MessageRef, Post, quiet
from bot.core.daily import ACK, LETTERS, UPVOTE
from bot.core.polls import KEYCAPS


def test_light_markdown_becomes_mrkdwn():
    assert mrkdwn("**Answer:** *maybe* ~~no~~ `**kw` & more") == "*Answer:* _maybe_ ~no~ `**kw` &amp; more"
    assert mrkdwn("# Heading\n2 * 3 * 4") == "*Heading*\n2 * 3 * 4"


def test_member_text_cannot_ping_even_without_quiet():
    for text in ("<!channel>", "<!here|here>", "<!everyone>", "<@U123>", "<#C1>", "<!subteam^S1>"):
        assert "<" not in mrkdwn(text) and "<" not in mrkdwn(quiet(text))
    assert mrkdwn("hi <@U123> and <@U999>", ping=("U123",)) == "hi <@U123> and &lt;@U999&gt;"


def test_a_post_in_blocks():
    closes = datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc)
    link = MessageRef(ChannelRef("slack", "T1", "C1"), "1795000001.000100", "1795000000.000100")
    post = Post(title="Question of the day #3", body="What is **bias**?", fields=(("Topic", "ML"), ("Difficulty", "easy")),
                buttons=(Button("quiz:1:0:0", "Recall"), Button("quiz:1:0:1", "x" * 100)), footer="Answer in the thread.",
                link=link, closes_at=closes)
    out = blocks(post, "https://study.slack.com/")
    assert [b["type"] for b in out] == ["header", "section", "section", "actions", "context"]
    assert out[0]["text"] == {"type": "plain_text", "text": "Question of the day #3"}
    assert out[1]["text"]["text"] == "What is *bias*?" and out[1]["text"]["verbatim"] is True
    assert [f["text"] for f in out[2]["fields"]] == ["*Topic*\nML", "*Difficulty*\neasy"]
    recall, long = out[3]["elements"]
    assert recall["action_id"] == recall["value"] == "quiz:1:0:0" and len(long["text"]["text"]) == 75
    footer, date, jump = (e["text"] for e in out[4]["elements"])
    assert footer == "Answer in the thread."
    assert date == f"Closes <!date^{int(closes.timestamp())}^{{date_short_pretty}} at {{time}}|Sat 21 Nov 08:00 UTC>"
    assert jump == ("<https://study.slack.com/archives/C1/p1795000001000100"
                    "?thread_ts=1795000000.000100&cid=C1|View the message>")
    assert fallback(post).startswith("*Question of the day #3*\nWhat is *bias*?")


def test_slack_limits_are_kept():
    post = Post(body="\n".join(["line &" * 50] * 100), fields=tuple((f"f{n}", "v") for n in range(12)),
                buttons=tuple(Button(f"b{n}", str(n)) for n in range(30)))
    out = blocks(post)
    assert all(len(b["text"]["text"]) <= 3000 for b in out if b["type"] == "section" and "text" in b)
    assert [len(b.get("fields", b.get("elements", []))) for b in out if b["type"] != "section" or "fields" in b] \
        == [10, 2, 25, 5]
    assert cut("ab &amp; cd", 6) == "ab …" and chunks("") == []


def test_emoji_names_both_ways():
    assert [emoji_name(e) for e in (UPVOTE, ACK, LETTERS[0], KEYCAPS[0], KEYCAPS[9])] == \
        ["+1", "white_check_mark", "regional_indicator_a", "one", "keycap_ten"]
    for name, emoji in (("+1", UPVOTE), ("thumbsup", UPVOTE), ("+1::skin-tone-4", UPVOTE), ("white_check_mark", ACK),
                        ("regional_indicator_f", LETTERS[5]), ("three", KEYCAPS[2]), ("keycap_ten", KEYCAPS[9])):
        assert emoji_from(name) == emoji
    assert emoji_from("tada") == "tada"
