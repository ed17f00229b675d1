"""Thousands of generated updates — any Unicode, huge texts, forged buttons, unknown kinds,
channels and bots: no unhandled error, every call valid for the Bot API, and the bot still
answers a normal question afterwards."""

import itertools
import logging
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import commands
from offline.local_api import LocalBotApi, command_entities
from tests.harness import RunningBot

COMMANDS = sorted(
    {
        f"/{name}"
        for c in vars(commands).values()
        if isinstance(c, commands.MenuCommand)
        for name in c.names()
    }
)
ODD = [
    "\u200b",
    "\u200f",
    "\u202e",
    "\u2066",
    "\ufeff",
    "👍🏽",
    "🇮🇩",
    "ي",
    "\U0001f9d1\u200d\U0001f33e",
    "<b>",
    "&amp;",
    "<script>",
    "\x00",
    "\n\n",
    "𝔰𝔢𝔫𝔰𝔲𝔰",
    "ꦱꦺꦤ꧀ꦱꦸꦱ꧀",
]
FEATURES = ["bc", "ann", "cal", "guide", "faq", "remind", "lang", "menu", "privacy", "staff"]

message_ids = itertools.count(10_000)
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(ODD) | st.text(max_size=5), max_size=30).map("".join),
    st.builds(
        lambda piece, n: (piece * n)[:n], st.text(min_size=1, max_size=8), st.integers(3_900, 5_000)
    ),
    st.builds(lambda c, rest: f"{c} {rest}", st.sampled_from(COMMANDS), st.text(max_size=80)),
    st.sampled_from(["", " ", "kapan sensus online", "@sensus_test_bot", "/start rt-FORGED"]),
)
people = st.builds(
    lambda uid, is_bot, name, lang: (
        {"id": uid, "is_bot": is_bot, "first_name": name or "x"}
        | ({"language_code": lang} if lang is not None else {})
    ),
    st.integers(1, 2**40) | st.integers(1, 30),  # a few people write often
    st.booleans(),
    st.lists(st.sampled_from(ODD) | st.text(max_size=5), max_size=8).map("".join),
    st.none() | st.sampled_from(["id", "en", "mkn", "fr", "pt-br", "", "zz"]),
)
chats = st.one_of(
    st.just(None),  # the private chat with the sender
    st.builds(
        lambda n, kind, title: {"id": -n, "type": kind, "title": title},
        st.integers(1, 10**12),
        st.sampled_from(["group", "supergroup"]),
        st.text(max_size=30),
    ),
)
callback_data = st.one_of(
    st.text(max_size=100),
    st.builds(
        lambda f, a, arg: f"{f}:{a}:{arg}",
        st.sampled_from(FEATURES),
        st.text(max_size=10),
        st.text(max_size=60),
    ),
)


def message(person: dict[str, Any], chat: dict[str, Any] | None, text: str | None) -> dict:
    """A message; without text it stands for a sticker, photo or service message."""
    body: dict[str, Any] = {
        "message_id": next(message_ids),
        "date": int(time.time()),
        "chat": chat or {"id": person["id"], "type": "private", "first_name": person["first_name"]},
        "from": person,
    }
    if text:
        body["text"] = text
        if entities := command_entities(text):
            body["entities"] = entities
    return body


def known(api: LocalBotApi, sent: dict[str, Any]) -> dict[str, Any]:
    """A message Telegram keeps (so the bot may delete it, as the guard does)."""
    api.messages[(sent["chat"]["id"], sent["message_id"])] = sent
    return sent


@st.composite
def updates(draw: st.DrawFn, api: LocalBotApi) -> dict[str, Any]:
    """One update of any kind Telegram sends (and one it does not know yet)."""
    bot_user = api.bot_user
    person, chat, kind = draw(people), draw(chats), draw(st.integers(0, 6))
    text = draw(texts)
    if kind == 0:
        return {"message": known(api, message(person, chat, text or None))}
    if kind == 1:
        edited = message(person, chat, text) | {"edit_date": int(time.time())}
        return {"edited_message": known(api, edited)}
    if kind == 2:  # the fake registers the query ids, as Telegram knows the ones it sent
        shown = message(bot_user, None, "menu") | {"chat": {"id": person["id"], "type": "private"}}
        return api.button_press(person, shown, draw(callback_data))
    if kind == 3:
        return api.inline_query(person, text[:256])
    if kind == 4:
        channel = {"id": -100 - draw(st.integers(1, 10**9)), "type": "channel", "title": "Kanal"}
        post = message(person, channel, text or None)
        del post["from"]
        return {"channel_post": known(api, post)}
    if kind == 5:
        group = chat or {"id": -77, "type": "group", "title": "RT"}
        status = draw(st.sampled_from(["member", "left", "kicked"]))
        new = {"user": bot_user, "status": status} | (
            {"until_date": 0} if status == "kicked" else {}
        )
        return {
            "my_chat_member": {
                "chat": group,
                "from": person,
                "date": int(time.time()),
                "old_chat_member": {"user": bot_user, "status": "left"},
                "new_chat_member": new,
            }
        }
    return {"business_future_kind": {"id": draw(st.integers()), "text": text[:50]}}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_any_updates_leave_the_bot_valid_and_answering(bot: RunningBot, caplog, data):
    caplog.set_level(logging.ERROR)
    caplog.clear()
    api, telegram = bot.telegram.api, bot.telegram
    batch = data.draw(st.lists(updates(api), min_size=5, max_size=40))
    telegram.rejected.clear()
    for update in batch:
        await bot.processed(await telegram.push(update))
    asker = bot.person(next(message_ids))
    shown = await asker.send("kapan sensus online dibuka?")
    assert shown and "Sensus" in shown[-1]["text"]
    # The guard tries to delete a number or secret posted in a group; without the right to
    # delete, Telegram refuses and the guard asks people to delete it themselves.
    expected = ("deleteMessage", "Bad Request: message can't be deleted")
    assert [r for r in telegram.rejected if r != expected] == [], telegram.rejected
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
