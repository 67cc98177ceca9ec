"""/stats and the topic leaderboard on the fake Discord, end to end through discord.py: the chart is
uploaded with the message (multipart) and shown in its embed; topics are suggested as one types."""
from bot.core.chart import HEIGHT, WIDTH

from ..core.test_stats import bars, png_size
from .discord_world import discord_world, embed, fake, texts  # noqa: F401


async def test_stats_arrive_with_their_chart_uploaded(fake, tmp_path, clock):
    alice, bob = fake.member("Alice"), fake.member("Bob")
    async with discord_world(fake, tmp_path, clock) as world:
        await world.slash(alice, "leaderboard")  # alice is known to the bot from here on
        [shown] = await world.slash(bob, "stats", member=alice.id)
        assert not shown.ephemeral and embed(shown)["title"] == "Stats — Alice"
        assert "**Answers given:** 0" in texts([shown])
        [(name, data)] = shown.files.items()
        assert name.startswith("stats-") and name.endswith(".png")
        assert png_size(data) == (WIDTH, HEIGHT) and bars(data) == 0
        assert embed(shown)["image"]["url"] == f"attachment://{name}"  # the chart sits inside the embed
        [upload] = [c for c in fake.calls if isinstance(c.body, dict) and c.body.get("_files")]
        assert upload.method == "POST" and upload.path.startswith("/webhooks/")  # a followup, as multipart
        assert (tmp_path / "studybot-charts" / name).read_bytes() == data


async def test_the_leaderboard_topic_is_suggested_and_checked(fake, tmp_path, clock):
    alice = fake.member("Alice")
    async with discord_world(fake, tmp_path, clock) as world:
        synced = {c["name"]: c for c in fake.commands[fake.guild_id]}
        assert [(o["name"], o["type"]) for o in synced["stats"]["options"]] == [("member", 6)]  # a member picker
        assert {o["name"]: o.get("autocomplete", False) for o in synced["leaderboard"]["options"]} == \
            {"period": False, "topic": True}
        typing = await fake.slash(alice, "leaderboard", focused="topic", topic="cho")
        await fake.wait(lambda: fake.interactions[typing].responses)
        [suggested] = fake.interactions[typing].responses
        assert suggested["data"]["choices"] == [{"name": "choice-qs", "value": "choice-qs"}]
        board = await world.slash(alice, "leaderboard", period="all", topic="choice-qs")
        assert "Leaderboard in Choice questions — all time" in texts(board)
        refused = await world.slash(alice, "leaderboard", topic="nope")
        assert [m.ephemeral for m in refused] == [True] and "Unknown topic `nope`" in texts(refused)
