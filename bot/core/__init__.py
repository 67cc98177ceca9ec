"""The platform-neutral core: knows nothing of Discord, Slack or APScheduler."""
