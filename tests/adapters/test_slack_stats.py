"""/stats in a Slack workspace, end to end through the unmodified slack-bolt app: the message, then
its chart shared under it with files upload v2 (getUploadURLExternal, the upload, completeUploadExternal)."""
import json

from bot.core.chart import HEIGHT, WIDTH

from ..core.test_stats import bars, png_size
from .fake_slack import CHANNEL
from .slack_world import ALICE, BOB, slack_world
from .test_slack_features import header, texts


async def test_stats_post_their_chart_as_a_file_upload(tmp_path, clock):
    async with slack_world(tmp_path, clock) as w:
        await w.command(ALICE, "/leaderboard topic:choice-qs")
        assert header(w.fake.posts()[-1].params) == "Leaderboard in Choice questions — this week (from Mon 16 Nov)"
        await w.command(BOB, f"/stats <@{ALICE}|alice>")
        message = w.fake.posts()[-1]
        assert header(message.params) == "Stats — Alice" and "*Answers given:* 0" in texts(message.params)
        [asked] = w.fake.called("files.getUploadURLExternal")
        [done] = w.fake.called("files.completeUploadExternal")
        [shared] = w.fake.shared(CHANNEL)
        assert asked.params["filename"] == shared["filename"] and int(asked.params["length"]) == len(shared["data"])
        assert done.params["channel_id"] == CHANNEL and "thread_ts" not in done.params
        assert json.loads(done.params["files"])[0]["title"] == "Stats — Alice"
        assert png_size(shared["data"]) == (WIDTH, HEIGHT) and bars(shared["data"]) == 0
        order = [c.method for c in w.fake.calls if c.method.startswith(("chat.postMessage", "files."))]
        assert order[-3:] == ["chat.postMessage", "files.getUploadURLExternal", "files.completeUploadExternal"]
