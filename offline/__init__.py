"""The bot without Telegram: an in-memory Bot API, the in-process request the shell sends through
it, an HTTP fake server on 127.0.0.1 over the same API, and the bot run as a child process.

Shared by ``sensus-bot shell``, ``tests/`` and ``bench/``; no other production module imports it.
"""
