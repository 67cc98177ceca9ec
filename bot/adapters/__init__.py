"""Thin adapters that translate a platform to and from the core's port (core/chat.py)."""
