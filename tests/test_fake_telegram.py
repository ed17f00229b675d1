"""The fake Bot API refuses what Telegram (Bot API 10.1) refuses, in Telegram's words.

Each case is a real python-telegram-bot call over HTTP against the fake, as the bot makes it.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.http import AiohttpRequest
from offline.fake_telegram import TOKEN, FakeTelegram

CHAT = 501
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBUserWarning")  # raw calls


@pytest.fixture
async def api(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """A python-telegram-bot Bot talking to the fake over the bot's own HTTP stack."""
    bot = Bot(TOKEN, base_url=f"{telegram.url}/bot", request=AiohttpRequest(connections=2))
    async with bot:
        yield bot


async def refused(telegram: FakeTelegram, call: Awaitable[Any]) -> str:
    """The description the fake answered ``call`` with, exactly as sent over the wire; the
    caller sees a BadRequest (python-telegram-bot re-capitalises its message)."""
    with pytest.raises(BadRequest):
        await call
    return telegram.rejected[-1][1]


def keyboard(*buttons: dict[str, Any]) -> Any:
    """A raw reply_markup (python-telegram-bot's own classes would refuse some of these)."""
    return {"inline_keyboard": [list(buttons)]}


# HTML


@pytest.mark.parametrize(
    ("markup", "wording"),
    [
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            'a <span class="bold">x</span>',
            'Tag "span" must have class "tg-spoiler" at byte offset 2',
        ),
        ("<tg-emoji>👍</tg-emoji>", "Invalid custom emoji identifier specified"),
        ('<tg-emoji emoji-id="x">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("<b/>", 'Unsupported start tag "b/" at byte offset 0'),
        ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
        ("ok <b", "Unclosed start tag at byte offset 3"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("Sensus <2020>", 'Unsupported start tag "2020" at byte offset 7'),
        ("5 < 6", 'Unsupported start tag "" at byte offset 2'),
        ("é <p>", 'Unsupported start tag "p" at byte offset 3'),  # offsets count UTF-8 bytes
        ('<a href="x"/>y</a>', 'Empty attribute name in the tag "a" at byte offset 0'),
        ("<a href=x/>y</a>", "Unexpected end of name token at byte offset 8"),
        ('<a href="https://bps.go.id"', "Unclosed start tag at byte offset 0"),
    ],
)
async def test_html_that_telegram_cannot_parse_is_refused(
    api: Bot, telegram: FakeTelegram, markup: str, wording: str
):
    sent = api.send_message(CHAT, markup, parse_mode=ParseMode.HTML)
    assert await refused(telegram, sent) == f"Bad Request: can't parse entities: {wording}"


async def test_html_that_telegram_accepts_is_shown_as_telegram_shows_it(
    api: Bot, telegram: FakeTelegram
):
    accepted = {
        '<span class="tg-spoiler">rahasia</span>': "rahasia",
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>': "👍",
        "<a>bps.go.id</a> <a href='https://bps.go.id'>BPS</a>": "bps.go.id BPS",
        '<pre><code class="language-python">x = 1</code></pre>': "x = 1",
        '<code class="language-python">x</code>': "x",  # the language is just dropped
        "<blockquote expandable>panjang</blockquote>": "panjang",
        "<B>besar</B> <i>miring</>": "besar miring",
        "&lt;&gt;&amp;&quot; &#65;&#x42;": '<>&" AB',
        "&nbsp;&copy;&laquo; R&D": "&nbsp;&copy;&laquo; R&D",  # other names stay as typed
        "  \n<b>dipangkas</b>\n ": "dipangkas",
    }
    for markup, shown in accepted.items():
        message = await api.send_message(CHAT, markup, parse_mode=ParseMode.HTML)
        assert telegram.api.messages[(CHAT, message.message_id)]["text"] == shown, markup


async def test_parse_mode_is_checked_whatever_its_spelling(api: Bot, telegram: FakeTelegram):
    assert await refused(telegram, api.send_message(CHAT, "<b>x", parse_mode="html")) == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    assert await refused(telegram, api.send_message(CHAT, "x", parse_mode="HTML5")) == (
        "Bad Request: unsupported parse_mode"
    )
    plain = await api.send_message(CHAT, "<b>x", parse_mode=None)
    assert telegram.api.messages[(CHAT, plain.message_id)]["text"] == "<b>x"


async def test_text_length_and_emptiness_follow_telegram(api: Bot, telegram: FakeTelegram):
    assert await refused(telegram, api.send_message(CHAT, "<b> </b>\n", parse_mode="HTML")) == (
        "Bad Request: text must be non-empty"
    )
    assert await refused(telegram, api.send_message(CHAT, "a" * 4097)) == (
        "Bad Request: message is too long"
    )
    await api.send_message(CHAT, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")  # tags are free
    await api.send_message(CHAT, "😀" * 4096)  # counted in characters, not UTF-16 units


# Inline buttons


async def test_an_inline_button_needs_a_label_and_an_action(api: Bot, telegram: FakeTelegram):
    no_action = keyboard({"text": "Pilih"})
    assert await refused(telegram, api.send_message(CHAT, "x", reply_markup=no_action)) == (
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard"
    )
    empty_data = keyboard({"text": "Pilih", "callback_data": ""})  # Telegram: no action either
    assert "Text buttons are unallowed" in await refused(
        telegram, api.send_message(CHAT, "x", reply_markup=empty_data)
    )
    no_label = keyboard({"callback_data": "a"})
    assert await refused(telegram, api.send_message(CHAT, "x", reply_markup=no_label)) == (
        "Bad Request: can't parse inline keyboard button: Can't find field \"text\""
    )
    empty_label = keyboard({"text": "", "callback_data": "a"})
    assert await refused(telegram, api.send_message(CHAT, "x", reply_markup=empty_label)) == (
        "Bad Request: inline keyboard button text must be non-empty"
    )
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("Pilih", callback_data="é" * 33)]])
    assert await refused(telegram, api.send_message(CHAT, "x", reply_markup=too_long)) == (
        "Bad Request: BUTTON_DATA_INVALID"
    )
    odd_style = keyboard({"text": "Pilih", "callback_data": "a", "style": "loud"})
    assert "invalid button style specified" in await refused(
        telegram, api.send_message(CHAT, "x", reply_markup=odd_style)
    )
    for action in ({"url": "https://bps.go.id"}, {"copy_text": {"text": "kode"}}):
        await api.send_message(CHAT, "x", reply_markup=keyboard({"text": "Buka", **action}))
    # Two actions: Telegram keeps the first in its own order and drops the other.
    both = await api.send_message(
        CHAT, "x", reply_markup=keyboard({"text": "A", "callback_data": "a", "url": "https://x.id"})
    )
    kept = telegram.api.messages[(CHAT, both.message_id)]["reply_markup"]
    assert kept == {"inline_keyboard": [[{"text": "A", "url": "https://x.id"}]]}


async def test_edits_check_buttons_and_text_like_sends(api: Bot, telegram: FakeTelegram):
    sent = await api.send_message(CHAT, "Pilih:")
    assert "Text buttons are unallowed" in await refused(
        telegram,
        api.edit_message_text(
            "Pilih lagi:", CHAT, sent.message_id, reply_markup=keyboard({"text": "A"})
        ),
    )
    assert "Text buttons are unallowed" in await refused(
        telegram,
        api.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=keyboard({"text": "A"})),
    )
    assert await refused(
        telegram, api.edit_message_text("<span>x</span>", CHAT, sent.message_id, parse_mode="HTML")
    ) == (
        "Bad Request: can't parse entities: "
        'Tag "span" must have class "tg-spoiler" at byte offset 0'
    )


# Commands, descriptions, scopes, languages


async def test_menu_settings_take_only_two_letter_language_codes(api: Bot, telegram: FakeTelegram):
    commands = [BotCommand("jadwal", "Jadwal sensus")]
    for bad in ("mkn", "ID", "en-US", "e"):
        assert await refused(telegram, api.set_my_commands(commands, language_code=bad)) == (
            "Bad Request: invalid language code specified"
        )
        assert await refused(telegram, api.set_my_description("x", language_code=bad)) == (
            "Bad Request: invalid language code specified"
        )
        assert await refused(telegram, api.set_my_short_description("x", language_code=bad)) == (
            "Bad Request: invalid language code specified"
        )
    await api.set_my_commands(commands, language_code="en")
    await api.set_my_commands(commands)
    assert set(telegram.api.commands) == {
        ('{"type": "default"}', "en"),
        ('{"type": "default"}', ""),
    }


async def test_menu_commands_follow_telegram_rules(api: Bot, telegram: FakeTelegram):
    cases = {
        "Jadwal": "BOT_COMMAND_INVALID",
        "jadwal-sensus": "BOT_COMMAND_INVALID",
        "a" * 33: "command length must not exceed 32",
        "   ": "command must be non-empty",
    }
    for name, wording in cases.items():
        sent = api.set_my_commands([BotCommand(name, "Jadwal")])
        assert await refused(telegram, sent) == f"Bad Request: {wording}"
    assert await refused(telegram, api.set_my_commands([BotCommand("jadwal", " ")])) == (
        "Bad Request: command description must be non-empty"
    )
    assert await refused(telegram, api.set_my_commands([BotCommand("jadwal", "x" * 257)])) == (
        "Bad Request: command description length must not exceed 256"
    )
    many = [BotCommand(f"c{n}", "x") for n in range(101)]
    assert await refused(telegram, api.set_my_commands(many)) == (
        "Bad Request: BOT_COMMANDS_TOO_MUCH"
    )
    await api.set_my_commands([BotCommand(" /jadwal ", " Jadwal sensus ")])  # Telegram trims
    assert telegram.api.commands[('{"type": "default"}', "")] == [
        {"command": "jadwal", "description": "Jadwal sensus"}
    ]


async def test_command_scopes_are_telegram_scope_types(api: Bot, telegram: FakeTelegram):
    commands = [BotCommand("jadwal", "Jadwal sensus")]
    await api.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())
    await api.set_my_commands(commands, scope=BotCommandScopeChat(-700))
    assert (
        await refused(
            telegram,
            api.do_api_request(
                "setMyCommands", api_kwargs={"commands": commands, "scope": {"type": "everyone"}}
            ),
        )
        == "Bad Request: can't parse BotCommandScope: Unsupported type specified"
    )
    assert (
        await refused(
            telegram,
            api.do_api_request(
                "setMyCommands", api_kwargs={"commands": commands, "scope": {"type": "chat"}}
            ),
        )
        == "Bad Request: can't parse BotCommandScope: Can't find field \"chat_id\""
    )
    assert (
        await refused(
            telegram,
            api._post(
                "setMyCommands",
                {"commands": commands, "scope": {"type": "chat_member", "chat_id": -700}},
            ),
        )
        == "Bad Request: can't parse BotCommandScope: Can't find field \"user_id\""
    )


async def test_descriptions_have_telegram_lengths(api: Bot, telegram: FakeTelegram):
    await api.set_my_description("x" * 512)
    assert await refused(telegram, api.set_my_description("x" * 513)) == (
        "Bad Request: description is too long"  # the server's wording is not published
    )
    await api.set_my_short_description("x" * 120)
    assert await refused(telegram, api.set_my_short_description("x" * 121)) == (
        "Bad Request: short description is too long"
    )


# Inline query answers


def article(**overrides: Any) -> dict[str, Any]:
    """A raw article result, with some field replaced or removed (None)."""
    result = {
        "type": "article",
        "id": "jadwal:1",
        "title": "Jadwal lengkap",
        "input_message_content": {"message_text": "<b>Jadwal</b>", "parse_mode": "HTML"},
    }
    result |= overrides
    return {key: value for key, value in result.items() if value is not None}


@pytest.mark.parametrize(
    ("result", "wording"),
    [
        (article(type="card"), 'type "card" is unsupported for the inline query result'),
        (article(type=None), 'Can\'t find field "type"'),
        (article(id=None), 'Can\'t find field "id"'),
        (article(title=None), 'Can\'t find field "title"'),
        (article(input_message_content=None), 'Can\'t find field "message_text"'),
        (article(input_message_content={}), "Input message content is not specified"),
        (
            article(input_message_content={"message_text": "<b>x", "parse_mode": "HTML"}),
            "Can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
        (
            article(input_message_content={"message_text": "x", "parse_mode": "bold"}),
            "Unsupported parse_mode",
        ),
        (
            article(reply_markup=keyboard({"text": "Bagikan"})),
            "Can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
        (
            article(input_message_content={"message_text": "x" * 4097}),
            None,  # refused by Telegram's servers after parsing: not prefixed
        ),
    ],
)
async def test_inline_results_are_checked_like_telegram(
    api: Bot, telegram: FakeTelegram, result: dict[str, Any], wording: str | None
):
    query_id = open_inline_query(telegram)
    answer = api.do_api_request("answerInlineQuery", api_kwargs=inline(query_id, [result]))
    parsed = f"can't parse inline query result: {wording}" if wording else "message is too long"
    assert await refused(telegram, answer) == f"Bad Request: {parsed}"


async def test_inline_answers_have_telegram_limits(api: Bot, telegram: FakeTelegram):
    query_id = open_inline_query(telegram)
    too_long = article(reply_markup=keyboard({"text": "A", "callback_data": "x" * 65}))
    cases = {
        "BUTTON_DATA_INVALID": inline(query_id, [too_long]),
        "RESULT_ID_INVALID": inline(query_id, [article(id="x" * 65)]),
        "RESULT_ID_DUPLICATE": inline(query_id, [article(), article(title="Lagi")]),
        "NEXT_OFFSET_INVALID": inline(query_id, [article()], next_offset="9" * 65),
        "too many inline query results specified": inline(
            query_id, [article(id=str(n)) for n in range(51)]
        ),
    }
    for wording, params in cases.items():
        answer = api.do_api_request("answerInlineQuery", api_kwargs=params)
        assert await refused(telegram, answer) == f"Bad Request: {wording}"
    cards = [
        InlineQueryResultArticle(str(n), "Jadwal", InputTextMessageContent("<b>Jadwal</b>"))
        for n in range(50)
    ]
    assert await api.answer_inline_query(query_id, cards, next_offset="8" * 64, cache_time=10**6)
    assert len(telegram.api.inline_answers[query_id]) == 50


def open_inline_query(telegram: FakeTelegram) -> str:
    """A query someone just typed, which the bot may answer."""
    person = {"id": CHAT, "is_bot": False, "first_name": "Ani"}
    return str(telegram.api.inline_query(person, "jadwal")["inline_query"]["id"])


def inline(query_id: str, results: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    """Raw answerInlineQuery parameters."""
    return {"inline_query_id": query_id, "results": results, **more}


# Faults on every method

Call = Callable[[Bot, int], Awaitable[Any]]
CALLS: dict[str, Call] = {
    "editMessageText": lambda api, chat: api.edit_message_text("baru", chat, 1),
    "editMessageReplyMarkup": lambda api, chat: api.edit_message_reply_markup(chat, 1),
    "deleteMessage": lambda api, chat: api.delete_message(chat, 1),
    "getChatMember": lambda api, chat: api.get_chat_member(chat, 7),
    "sendChatAction": lambda api, chat: api.send_chat_action(chat, "typing"),
    "sendPhoto": lambda api, chat: api.send_photo(chat, "AgACAgQAAxkBAAIB"),
    "sendDocument": lambda api, chat: api.send_document(chat, "BQACAgQAAxkBAAIC"),
}


@pytest.mark.parametrize("method", CALLS)
async def test_faults_can_be_injected_into_every_method(
    api: Bot, telegram: FakeTelegram, method: str
):
    call = CALLS[method]
    telegram.fail(method, 429, "Too Many Requests: retry after 3", retry_after=3)
    with pytest.raises(RetryAfter):
        await call(api, CHAT)
    telegram.fail(method, 502, "Bad Gateway")
    with pytest.raises(NetworkError):
        await call(api, CHAT)
    telegram.blocked_chats = {CHAT}
    with pytest.raises(Forbidden):
        await call(api, CHAT)
    telegram.migrated_chats = {-3000: -1_003_000}
    with pytest.raises(ChatMigrated) as migrated:
        await call(api, -3000)
    assert migrated.value.new_chat_id == -1_003_000


async def test_faults_reach_callback_answers_and_the_bots_own_checks(
    api: Bot, telegram: FakeTelegram
):
    person = {"id": CHAT, "is_bot": False, "first_name": "Ani"}
    buttons = keyboard({"text": "A", "callback_data": "a"})
    message = await api.send_message(CHAT, "Pilih:", reply_markup=buttons)
    query_id = telegram.api.button_press(person, message.to_dict(), "a")["callback_query"]["id"]
    telegram.fail("answerCallbackQuery", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(Forbidden):
        await api.answer_callback_query(query_id)
    telegram.server_error_rate = 1.0
    for call in (api.get_me(), api.answer_callback_query(query_id)):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await call
    telegram.server_error_rate = 0.0
    assert await api.answer_callback_query(query_id)  # the query stayed open through it all


# Webhooks


@pytest.mark.parametrize(
    ("settings", "wording"),
    [
        ({"url": "http://sensus.example.id/hook"}, "An HTTPS URL must be provided for webhook"),
        (
            {"url": "https://sensus.example.id:8080/hook"},
            "Webhook can be set up only on ports 80, 88, 443 or 8443",
        ),
        (
            {"url": "https://sensus.example.id/hook", "secret_token": "with space"},
            "secret token contains unallowed characters",
        ),
        (
            {"url": "https://sensus.example.id/hook", "max_connections": 101},
            "max_connections must be between 1 and 100",
        ),
        (
            {"url": "https://sensus.example.id/hook", "allowed_updates": ["messages"]},
            "unknown update type in allowed_updates",
        ),
    ],
)
async def test_webhooks_telegram_refuses_are_refused(
    api: Bot, telegram: FakeTelegram, settings: dict[str, Any], wording: str
):
    assert (
        await refused(telegram, api.set_webhook(**settings))
        == f"Bad Request: bad webhook: {wording}"
    )
    assert telegram.api.webhook == {}


async def test_a_webhook_is_recorded_as_telegram_keeps_it_and_blocks_get_updates(
    api: Bot, telegram: FakeTelegram
):
    url = "https://sensus.example.id:8443/hook"
    await api.set_webhook(url, secret_token="abc_DEF-123", allowed_updates=["message"])
    info = await api.get_webhook_info()
    assert (info.url, info.max_connections, info.allowed_updates) == (url, 40, ("message",))
    with pytest.raises(Exception, match="webhook is active"):
        await api.get_updates()
    await api.delete_webhook()
    assert await api.get_updates() == ()
