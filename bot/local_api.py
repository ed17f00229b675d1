"""An in-memory Telegram Bot API: it answers the bot's calls the way Telegram does.

Two transports use it: ``sensus-bot shell`` (no network at all) and the fake Bot API
HTTP server of the test suite. It validates what Telegram validates (text length, HTML,
callback data, edits of unknown or unchanged messages) and keeps each chat's messages,
so a caller can see what a person would see on their screen.
"""

import itertools
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
# Parameters whose values python-telegram-bot sends as JSON.
JSON_PARAMETERS = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "results",
        "entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "button",
        "menu_button",
        "caption_entities",
    }
)
HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


class BotApiError(Exception):
    """An error answer of the Bot API (``ok: false``)."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(description: str) -> BotApiError:
    """A 400 answer."""
    return BotApiError(400, f"Bad Request: {description}")


def decode_parameters(raw: Mapping[str, str]) -> dict[str, Any]:
    """Turn the string values of a Bot API request back into Python values."""
    decoded: dict[str, Any] = {}
    for key, value in raw.items():
        if key in JSON_PARAMETERS:
            try:
                decoded[key] = json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {key} JSON object") from None
        else:
            decoded[key] = value
    return decoded


@dataclass
class ApiCall:
    """One Bot API call the bot made, with its decoded parameters."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        """The chat the call was addressed to, if any."""
        value = self.params.get("chat_id")
        return int(value) if value is not None and str(value).lstrip("-").isdigit() else None


class _HtmlChecker(HTMLParser):
    """Checks HTML the way Telegram's parse_mode=HTML does, and collects the plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise bad_request(f'can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise bad_request(f'can\'t parse entities: Unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_to_text(markup: str) -> str:
    """Validate Telegram HTML and return its visible text."""
    if re.search(r"<(?![a-z/-])", markup) or re.search(r"&(?!#?\w+;)", markup):
        raise bad_request("can't parse entities: unescaped < or & in the text")
    checker = _HtmlChecker()
    checker.feed(markup)
    checker.close()
    if checker.stack:
        raise bad_request(f"can't parse entities: Can't find end tag \"{checker.stack[-1]}\"")
    return "".join(checker.text)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command and mention entities Telegram's servers add to a message."""
    entities = []
    for match in re.finditer(r"(?<!\S)(/[A-Za-z0-9_]+(?:@\w+)?|@\w+)", text):
        kind = "bot_command" if match.group().startswith("/") else "mention"
        entities.append(
            {
                "type": kind,
                "offset": utf16_length(text[: match.start()]),
                "length": utf16_length(match.group()),
            }
        )
    return entities


def keyboard_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every inline button of a reply markup, row by row."""
    if not markup:
        return []
    return [button for row in markup.get("inline_keyboard", []) for button in row]


class LocalBotApi:
    """The state of one bot's chats and the handling of its Bot API calls."""

    def __init__(self, bot_id: int = 4242, username: str = "sensus_test_bot") -> None:
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Sensus Bot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.calls: list[ApiCall] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}
        self.admin_chats: set[int] = set()  # groups where the bot may delete others' messages
        self.chat_admins: dict[int, set[int]] = {}  # group -> its administrators' user ids
        self.webhook: dict[str, Any] = {}  # setWebhook's parameters, while one is set
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._open_queries: set[str] = set()
        self._query_ids = itertools.count(1)

    # What people do

    def incoming_message(
        self,
        user: dict[str, Any],
        text: str,
        chat: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A person writes ``text`` (optionally replying); return the update payload."""
        chat = chat or private_chat(user)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self.messages[(chat["id"], message["message_id"])] = message
        return {"message": message}

    def button_press(
        self, user: dict[str, Any], message: dict[str, Any], data: str
    ) -> dict[str, Any]:
        """A person taps an inline button carrying ``data`` under ``message``."""
        query_id = str(next(self._query_ids))
        self._open_queries.add(query_id)
        return {
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": message,
                "chat_instance": str(message["chat"]["id"]),
                "data": data,
            }
        }

    def inline_query(self, user: dict[str, Any], query: str) -> dict[str, Any]:
        """A person types ``@bot query`` in any chat."""
        query_id = str(next(self._query_ids))
        self._open_queries.add(query_id)
        return {"inline_query": {"id": query_id, "from": user, "query": query, "offset": ""}}

    def edited_message(self, original: dict[str, Any], text: str) -> dict[str, Any]:
        """The author of ``original`` (a person's message) edits it into ``text``."""
        message = {k: v for k, v in original.items() if k not in ("text", "entities")}
        message |= {"text": text, "edit_date": int(time.time())}
        if entities := command_entities(text):
            message["entities"] = entities
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return {"edited_message": message}

    def incoming_photo(
        self, user: dict[str, Any], caption: str, chat: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A person sends a photo with ``caption``; return the update payload."""
        update = self.incoming_message(user, "", chat)
        message = update["message"]
        del message["text"]
        message["caption"] = caption
        message["photo"] = [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]
        return update

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The messages of a chat as they stand now, oldest first."""
        found = [m for (c, _), m in self.messages.items() if c == chat_id]
        return sorted(found, key=lambda m: int(m["message_id"]))

    # What the bot does

    def call(self, method: str, params: dict[str, Any]) -> Any:
        """Handle one Bot API call; return its result or raise BotApiError."""
        self.calls.append(ApiCall(method, params))
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            raise BotApiError(404, "Not Found")
        return handler(params)

    def _m_getme(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        if not str(params.get("url", "")).startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(params)
        return True

    def _m_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    def _m_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    def _m_logout(self, params: dict[str, Any]) -> Any:
        return True

    def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    def _m_sendchataction(self, params: dict[str, Any]) -> Any:
        return True

    def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = _int(params, "chat_id")
        text = self._checked_text(params)
        markup = self._checked_markup(params.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self.bot_user,
            "text": text,
        }
        if markup is not None and "inline_keyboard" in markup:  # as Telegram: only inline ones
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        message = self._own_message(params)
        text = self._checked_text(params)
        markup = self._checked_markup(params.get("reply_markup"))
        if text == message["text"] and markup == message.get("reply_markup"):
            raise bad_request(
                "message is not modified: specified new message content and reply markup "
                "are exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        message["edit_date"] = int(time.time())
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        return message

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self._own_message(params)
        markup = self._checked_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise bad_request("message is not modified")
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        return message

    def _m_deletemessage(self, params: dict[str, Any]) -> Any:
        key = (_int(params, "chat_id"), _int(params, "message_id"))
        if key not in self.messages:
            raise bad_request("message to delete not found")
        own = self.messages[key].get("from", {}).get("id") == self.bot_user["id"]  # posts: none
        if key[0] < 0 and not own and key[0] not in self.admin_chats:
            raise bad_request("message can't be deleted")
        del self.messages[key]
        return True

    def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text", ""))) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        return True

    def _m_answerinlinequery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("inline_query_id"))
        if query_id not in self._open_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        results = params.get("results") or []
        ids = [str(r.get("id", "")) for r in results]
        if len(results) > 50 or len(set(ids)) != len(ids):
            raise bad_request("RESULTS_TOO_MUCH or duplicate result ids")
        for result in results:
            if not 1 <= len(result.get("id", "").encode("utf-8")) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            content = result.get("input_message_content", {})
            self._checked_text({"text": content.get("message_text", ""), **content})
        self._open_queries.discard(query_id)
        self.inline_answers[query_id] = results
        return True

    def _m_getchatmember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = _int(params, "chat_id"), _int(params, "user_id")
        user = {"id": user_id, "is_bot": False, "first_name": str(user_id)}
        if user_id not in self.chat_admins.get(chat_id, set()):
            return {"status": "member", "user": user}
        rights = (
            "can_be_edited",
            "is_anonymous",
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        )
        return {"status": "administrator", "user": user, **dict.fromkeys(rights, False)}

    def _m_setmycommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not COMMAND_NAME.fullmatch(command.get("command", "")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad_request("command description is empty or too long")
        self.commands[(json.dumps(params.get("scope")), params.get("language_code", ""))] = commands
        return True

    def _m_setmydescription(self, params: dict[str, Any]) -> Any:
        return self._set_description(params, "description", 512)

    def _m_setmyshortdescription(self, params: dict[str, Any]) -> Any:
        return self._set_description(params, "short_description", 120)

    def _set_description(self, params: dict[str, Any], key: str, limit: int) -> Any:
        text = str(params.get(key, ""))
        if len(text) > limit:
            raise bad_request(f"{key} is too long")
        self.descriptions[(key, params.get("language_code", ""))] = text
        return True

    # Checks

    def _checked_text(self, params: dict[str, Any]) -> str:
        raw = str(params.get("text", ""))
        text = html_to_text(raw) if params.get("parse_mode") == "HTML" else raw
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        return text

    def _checked_markup(self, markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        for button in keyboard_buttons(markup):
            if not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
        return dict(markup)

    def _own_message(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (_int(params, "chat_id"), _int(params, "message_id"))
        message = self.messages.get(key)
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    """The private chat between a person and the bot."""
    return {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")}


def _int(params: dict[str, Any], key: str) -> int:
    try:
        return int(params[key])
    except (KeyError, TypeError, ValueError):
        raise bad_request(f"{key} is empty or invalid") from None
