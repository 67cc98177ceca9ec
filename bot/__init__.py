"""studybot: a study-group bot for Discord, Slack and the terminal."""
