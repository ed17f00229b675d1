"""An in-memory Telegram Bot API: it answers the bot's calls the way Telegram does.

Two transports use it: ``sensus-bot shell`` (no network at all) and the fake Bot API
HTTP server of the test suite. It refuses what Telegram (Bot API 10.1) refuses, in
Telegram's wording: text and HTML (bot.telegram_text), inline keyboards, inline query
results, menu commands and their scopes and languages, edits of unknown or unchanged
messages. It keeps each chat's messages as Telegram stores them, so a caller sees what a
person would see on their screen.
"""

import itertools
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bot.telegram_text import (
    Refused,
    RefusedAfterParsing,
    message_text,
    parsed_text,
    utf16_length,
)

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MAX_CALLBACK_DATA = 64  # bytes
MAX_CAPTION = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CALLBACK_ANSWER = 200
MAX_INLINE_RESULTS = 50
MAX_INLINE_ID = 64  # bytes, for result ids and next_offset
MAX_COMMANDS = 100
MAX_COMMAND_NAME = 32
MAX_COMMAND_DESCRIPTION = 256
BUTTON_STYLES = frozenset({"", "default", "primary", "danger", "success"})
# A button's action fields, in the order Telegram looks for them: the first one set wins.
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "login_url",
    "web_app",
    "copy_text",
)
SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
INLINE_RESULT_TYPES = frozenset(
    {
        "article",
        "audio",
        "contact",
        "game",
        "document",
        "gif",
        "location",
        "mpeg4_gif",
        "photo",
        "sticker",
        "venue",
        "video",
        "voice",
    }
)
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


WEBHOOK_PORTS = (80, 88, 443, 8443)  # the only ports Telegram calls a webhook on
UPDATE_KINDS = {
    "message", "edited_message", "channel_post", "edited_channel_post",
    "business_connection", "business_message", "edited_business_message",
    "deleted_business_messages", "message_reaction", "message_reaction_count",
    "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
    "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost", "managed_bot",
    "guest_message",
}  # fmt: skip


def bad_request(description: str) -> BotApiError:
    """A 400 answer; like the Bot API, it lowercases the first letter of a sentence but keeps
    error codes such as ``BUTTON_DATA_INVALID``."""
    if not (len(description) > 1 and (description[1] == "_" or description[1].isupper())):
        description = description[:1].lower() + description[1:]
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


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request (sendPhoto, sendDocument)."""

    filename: str
    content: bytes


@dataclass
class ApiCall:
    """One Bot API call the bot made, with its decoded parameters."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    result: Any = None  # what the call returned, once it succeeded

    @property
    def chat_id(self) -> int | None:
        """The chat the call was addressed to, if any."""
        return chat_id_of(self.params)


def chat_id_of(params: dict[str, Any]) -> int | None:
    """The numeric chat a call is addressed to, if any."""
    value = params.get("chat_id")
    return int(value) if value is not None and str(value).lstrip("-").isdigit() else None


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
        self.files: dict[str, Upload] = {}  # uploaded photos and documents by file_id
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
        call = ApiCall(method, params)
        self.calls.append(call)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            raise BotApiError(404, "Not Found")
        try:
            call.result = handler(params)
            return call.result
        except Refused as refused:
            raise bad_request(str(refused)) from None

    def _m_getme(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url", ""))
        if not url:  # Telegram: an empty URL removes the webhook
            self.webhook = {}
            return True
        parsed = urlsplit(url)
        if parsed.scheme != "https" or not parsed.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if (parsed.port or 443) not in WEBHOOK_PORTS:
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        connections = int(params.get("max_connections", 40))
        if not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        if allowed is not None and not set(allowed) <= UPDATE_KINDS:
            raise bad_request("bad webhook: unknown update type in allowed_updates")
        self.webhook = dict(params) | {"max_connections": connections}
        return True

    def _m_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    def _m_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        if self.webhook:  # the secret is never shown back
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook.get("allowed_updates") is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _m_logout(self, params: dict[str, Any]) -> Any:
        return True

    def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    def _m_sendchataction(self, params: dict[str, Any]) -> Any:
        return True

    def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        return self._posted(params, {"text": self._checked_text(params)})

    def _m_sendphoto(self, params: dict[str, Any]) -> Any:
        upload = self._checked_upload(params, "photo", MAX_PHOTO_BYTES)
        if not upload.content.startswith(PNG_SIGNATURE) and not upload.content.startswith(
            b"\xff\xd8"
        ):
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = png_size(upload.content)
        if width + height > 10000 or max(width, height) > 20 * min(width, height):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        file_id = self._keep(upload)
        photo = [{"file_id": file_id, "file_unique_id": file_id, "width": width, "height": height}]
        return self._file_message(params, "photo", photo)

    def _m_senddocument(self, params: dict[str, Any]) -> Any:
        upload = self._checked_upload(params, "document", MAX_DOCUMENT_BYTES)
        file_id = self._keep(upload)
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": upload.filename}
        return self._file_message(params, "document", document)

    def _checked_upload(self, params: dict[str, Any], key: str, limit: int) -> Upload:
        upload = params.get(key)
        if not isinstance(upload, Upload):
            raise bad_request(f"there is no {key} in the request")
        if not upload.content:
            raise bad_request("file must be non-empty")
        if len(upload.content) > limit:
            raise BotApiError(413, "Request Entity Too Large")
        if len(self._caption(params)) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return upload

    def _caption(self, params: dict[str, Any]) -> str:
        caption = str(params.get("caption", ""))
        return parsed_text(caption, params.get("parse_mode")).strip(" \n") if caption else ""

    def _keep(self, upload: Upload) -> str:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = upload
        return file_id

    def _file_message(self, params: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
        fields = {key: value}
        if caption := self._caption(params):
            fields["caption"] = caption
        return self._posted(params, fields)

    def _posted(self, params: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        """A new message of the bot in the chat, with its checked buttons."""
        chat_id = _int(params, "chat_id")
        markup = checked_markup(params.get("reply_markup"))
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self.bot_user,
            **fields,
        }
        if markup is not None and "inline_keyboard" in markup:  # as Telegram: only inline ones
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        message = self._own_message(params)
        text = self._checked_text(params)
        markup = checked_markup(params.get("reply_markup"))
        if text == message["text"] and markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        message["edit_date"] = int(time.time())
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        return message

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> Any:
        message = self._own_message(params)
        markup = checked_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
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
        results = params.get("results")
        if results is None:
            results = []
        if not isinstance(results, list):
            raise bad_request("Expected an Array of inline query results")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("Too many inline query results specified")
        for result in results:
            try:
                _check_inline_result(result)
            except RefusedAfterParsing:
                raise
            except Refused as refused:
                raise Refused(f"Can't parse inline query result: {refused}") from None
        ids = [str(result["id"]) for result in results]
        if any(not 1 <= len(i.encode("utf-8")) <= MAX_INLINE_ID for i in ids):
            raise bad_request("RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            raise bad_request("RESULT_ID_DUPLICATE")
        if len(str(params.get("next_offset", "")).encode("utf-8")) > MAX_INLINE_ID:
            raise bad_request("NEXT_OFFSET_INVALID")
        if query_id not in self._open_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
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
        if not isinstance(commands, list):
            raise bad_request("Expected an Array of BotCommand")
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("Can't parse BotCommand: expected an Object")
            for key in ("command", "description"):
                if not isinstance(command.get(key), str):
                    raise bad_request(f"Can't parse BotCommand: Can't find field \"{key}\"")
        scope = _checked_scope(params.get("scope"))
        language = _checked_language(params)
        published = [_checked_command(c["command"], c["description"]) for c in commands]
        if len(published) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        self.commands[(json.dumps(scope, sort_keys=True), language)] = published
        return True

    def _m_setmydescription(self, params: dict[str, Any]) -> Any:
        return self._set_description(params, "description", 512)

    def _m_setmyshortdescription(self, params: dict[str, Any]) -> Any:
        return self._set_description(params, "short_description", 120)

    def _set_description(self, params: dict[str, Any], key: str, limit: int) -> Any:
        language = _checked_language(params)
        text = str(params.get(key, ""))
        if len(text) > limit:
            raise bad_request(f"{key.replace('_', ' ')} is too long")
        self.descriptions[(key, language)] = text
        return True

    # Checks

    def _checked_text(self, params: dict[str, Any]) -> str:
        return message_text(str(params.get("text", "")), params.get("parse_mode"))

    def _own_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if "inline_keyboard" not in (params.get("reply_markup") or {"inline_keyboard": []}):
            raise bad_request("Inline keyboard expected")  # edits take inline keyboards only
        key = (_int(params, "chat_id"), _int(params, "message_id"))
        message = self.messages.get(key)
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))


def checked_markup(markup: Any) -> dict[str, Any] | None:
    """A reply markup as Telegram keeps it: inline keyboards checked and normalised."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise Refused("Object expected as reply markup")
    if "inline_keyboard" not in markup:
        return dict(markup)  # reply keyboards: not shown under the message, not modelled
    return inline_keyboard(markup["inline_keyboard"])


def inline_keyboard(rows: Any) -> dict[str, Any] | None:
    """An inline keyboard as Telegram keeps it, or None for one without buttons."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise Refused(
            'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    checked = [[_checked_button(button) for button in row] for row in rows]
    checked = [row for row in checked if row]
    return {"inline_keyboard": checked} if checked else None


def _checked_button(button: Any) -> dict[str, Any]:
    """One inline button: a label and one action (Telegram keeps the first action it finds)."""
    problem = "Can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise Refused(problem + "InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise Refused(problem + 'Can\'t find field "text"')
    if str(button.get("style", "")).lower() not in BUTTON_STYLES:
        raise Refused(problem + "invalid button style specified")
    # An empty url or callback_data counts as absent, as on Telegram's servers.
    actions = [a for a in BUTTON_ACTIONS if a in button and button[a] not in ("", None)]
    if not actions:
        raise Refused(problem + "Text buttons are unallowed in the inline keyboard")
    if not button["text"]:
        raise RefusedAfterParsing("Inline keyboard button text must be non-empty")
    action = actions[0]
    if action == "callback_data" and len(str(button[action]).encode("utf-8")) > MAX_CALLBACK_DATA:
        raise RefusedAfterParsing("BUTTON_DATA_INVALID")
    kept = {key: button[key] for key in ("text", "style", "icon_custom_emoji_id") if key in button}
    return kept | {action: button[action]}


def _check_inline_result(result: Any) -> None:
    """Refuse an inline query result as Telegram would (article results are modelled in
    full; other types are refused as not modelled)."""
    if not isinstance(result, dict):
        raise Refused("Inline query result must be an object")
    for key in ("type", "id"):
        if not isinstance(result.get(key), str):
            raise Refused(f'Can\'t find field "{key}"')
    kind = result["type"].lower()
    if kind not in INLINE_RESULT_TYPES:
        raise Refused(f'type "{kind}" is unsupported for the inline query result')
    if kind != "article":
        raise Refused(f'the local Bot API models article results only, not "{kind}"')
    content = result.get("input_message_content")
    if not isinstance(content, dict):
        raise Refused('Can\'t find field "message_text"')
    if not content.get("message_text"):
        raise Refused("Input message content is not specified")
    message_text(str(content["message_text"]), content.get("parse_mode"))
    if not isinstance(result.get("title"), str):
        raise Refused('Can\'t find field "title"')
    checked_markup(result.get("reply_markup"))


def _checked_scope(scope: Any) -> dict[str, Any]:
    """A BotCommandScope of one of Telegram's seven types (the default when none is given)."""
    if scope is None:
        return {"type": "default"}
    problem = "Can't parse BotCommandScope: "
    if not isinstance(scope, dict):
        raise Refused(problem + "BotCommandScope must be an Object")
    if not isinstance(scope.get("type"), str):
        raise Refused(problem + 'Can\'t find field "type"')
    if scope["type"] not in SCOPE_TYPES:
        raise Refused(problem + "Unsupported type specified")
    if scope["type"] in ("chat", "chat_administrators", "chat_member"):
        if "chat_id" not in scope:
            raise Refused(problem + 'Can\'t find field "chat_id"')
        if str(scope["chat_id"]) == "":
            raise Refused(problem + "Empty chat_id specified")
    if scope["type"] == "chat_member":
        if "user_id" not in scope:
            raise Refused(problem + 'Can\'t find field "user_id"')
        if not str(scope["user_id"]).isdigit() or int(scope["user_id"]) <= 0:
            raise Refused(problem + "Invalid user_id specified")
    return dict(scope)


def _checked_language(params: dict[str, Any]) -> str:
    """The language_code of a bot setting: empty (everyone else) or two lowercase letters."""
    language = str(params.get("language_code") or "")
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise Refused("Invalid language code specified")
    return language


def _checked_command(name: str, description: str) -> dict[str, str]:
    """A menu command as Telegram keeps it (trimmed, without a leading slash)."""
    name = name.strip().removeprefix("/")
    description = description.strip()
    if not name:
        raise Refused("Command must be non-empty")
    if len(name) > MAX_COMMAND_NAME:
        raise Refused(f"Command length must not exceed {MAX_COMMAND_NAME}")
    if not description:
        raise Refused("Command description must be non-empty")
    if len(description) > MAX_COMMAND_DESCRIPTION:
        raise Refused(f"Command description length must not exceed {MAX_COMMAND_DESCRIPTION}")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise Refused("BOT_COMMAND_INVALID")
    return {"command": name, "description": description}


def png_size(content: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (1x1 for other images: not checked)."""
    if not content.startswith(PNG_SIGNATURE) or len(content) < 24:
        return 1, 1
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def with_uploads(params: dict[str, Any], files: Mapping[str, tuple[str, bytes]]) -> dict[str, Any]:
    """The parameters with each uploaded file in place of its field (or attach:// URI)."""
    found = dict(params)
    for name, (filename, content) in files.items():
        key = next((k for k, v in params.items() if v == f"attach://{name}"), name)
        found[key] = Upload(filename, content)
    return found


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    """The private chat between a person and the bot."""
    return {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")}


def _int(params: dict[str, Any], key: str) -> int:
    try:
        return int(params[key])
    except (KeyError, TypeError, ValueError):
        raise bad_request(f"{key} is empty or invalid") from None
