"""Slack: the whole bot in a Slack workspace, on slack-bolt's AsyncApp (see slack-manifest.yml).

render.py turns a Post into Block Kit, chat.py is the core's port on the Web API, events.py turns
payloads into the core's events, app.py receives them (Socket Mode or HTTP) and acknowledges them.
"""
from .app import SlackAdapter

__all__ = ["SlackAdapter"]
