"""Telegram's rules for message text: what parse_mode=HTML accepts and what a person then sees.

The one home of these rules for the local Bot API (``sensus-bot shell`` and the test suite's
fake) and the CLI. They follow the Bot API's formatting options and the behaviour of
Telegram's own parser: error wording, which entities are decoded, what is trimmed, how length
is counted.
"""

import re

MAX_TEXT = 4096  # characters (code points) after entity parsing and trimming
PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})  # compared case-insensitively
HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}  # no others: &nbsp; stays as typed
TIME_FORMAT = re.compile(r"[rR]|[tTdDwW]*")
SPACE = " \t\r\n\v"  # Telegram's parser treats these (and the end of the text) as spaces
_TAG_NAME = re.compile(r"[^ \t\r\n\v>]*")
_ATTRIBUTE_NAME = re.compile(r"[^ \t\r\n\v=>/\"']*")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")
_SPACES = re.compile(r"[ \t\r\n\v]*")
_DECIMAL = re.compile(r"[0-9]*")
_HEXADECIMAL = re.compile(r"[0-9A-Fa-f]*")
_LETTERS = re.compile(r"[A-Za-z]*")


class Refused(ValueError):
    """Telegram refuses what it was sent; the message is its wording, to which the Bot API
    adds "Bad Request: " (the local Bot API uses it for its other checks too)."""


class RefusedAfterParsing(Refused):
    """Refused by Telegram's servers once the Bot API had parsed the request, so the Bot API
    does not prefix the error with the object it was parsing."""


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def message_text(text: str, parse_mode: str | None) -> str:
    """The text a message shows for ``text`` sent with ``parse_mode``, or Refused."""
    return checked_length(parsed_text(text, parse_mode))


def parsed_text(text: str, parse_mode: str | None) -> str:
    """The visible text of ``text`` in ``parse_mode``: the Bot API's own checks."""
    if not text:
        raise Refused("Message text is empty")
    mode = (parse_mode or "").lower()
    if mode in ("", "none"):
        return text
    if mode == "html":
        return html_to_text(text)
    if mode in PARSE_MODES:
        # Valid for Telegram, but nothing here parses it: refuse rather than pass it unchecked.
        raise Refused(f"{parse_mode} is not modelled by the local Bot API; use HTML")
    raise Refused("Unsupported parse_mode")


def checked_length(shown: str) -> str:
    """Visible text as Telegram keeps it: trimmed, 1-4096 characters."""
    shown = shown.strip(" \n")  # Telegram trims spaces and line breaks only
    if not shown:
        raise RefusedAfterParsing("Text must be non-empty")
    if len(shown) > MAX_TEXT:
        raise RefusedAfterParsing("Message is too long")
    return shown


def html_to_text(markup: str) -> str:
    """Check ``markup`` as Telegram's HTML parser does and return its visible text."""
    return _HtmlParser(markup).visible_text()


class _HtmlParser:
    """One pass over Telegram HTML; errors carry the parser's wording and byte offsets."""

    def __init__(self, markup: str) -> None:
        self.markup = markup
        self.shown: list[str] = []
        self.open: list[tuple[str, str, int]] = []  # tag, its argument, characters shown before
        self.surrogate = False

    def visible_text(self) -> str:
        markup, at = self.markup, 0
        while at < len(markup):
            if markup[at] == "&":
                decoded = self._entity(at)
                if decoded is not None:
                    self.shown.append(decoded[0])
                    at = decoded[1]
                    continue
            if markup[at] != "<":
                self.shown.append(markup[at])
                at += 1
            elif markup.startswith("/", at + 1):
                at = self._end_tag(at)
            else:
                at = self._start_tag(at)
        if self.open:
            tag = self.open[-1][0]
            self._refuse(f'Can\'t find end tag corresponding to start tag "{tag}"')
        if self.surrogate:
            raise Refused(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        return "".join(self.shown)

    def _refuse(self, problem: str) -> None:
        raise Refused(f"Can't parse entities: {problem}")

    def _offset(self, at: int) -> int:
        return len(self.markup[:at].encode("utf-8", "surrogatepass"))

    def _char(self, at: int) -> str:
        """The character at ``at``; the end of the text reads as NUL, as in Telegram's parser."""
        return self.markup[at] if at < len(self.markup) else "\0"

    def _entity(self, at: int) -> tuple[str, int] | None:
        """The character of the entity at ``at`` and where it ends, if Telegram decodes it."""
        markup = self.markup
        if markup.startswith("&#", at):
            hexadecimal = markup.startswith("x", at + 2)
            digits = (_HEXADECIMAL if hexadecimal else _DECIMAL).match(markup, at + 2 + hexadecimal)
            assert digits is not None  # both patterns match the empty string
            end = digits.end()
            if not digits.group() or end - at >= 10:
                return None
            code = int(digits.group(), 16 if hexadecimal else 10)
            if code == 0 or code >= 0x10FFFF:
                return None
            self.surrogate |= 0xD800 <= code <= 0xDFFF
            character = chr(code)
        else:
            letters = _LETTERS.match(markup, at + 1)
            assert letters is not None
            end = letters.end()
            if letters.group() not in NAMED_ENTITIES:
                return None
            character = NAMED_ENTITIES[letters.group()]
        return character, end + 1 if markup.startswith(";", end) else end

    def _start_tag(self, begin: int) -> int:
        name_match = _TAG_NAME.match(self.markup, begin + 1)
        assert name_match is not None
        at = name_match.end()
        if at >= len(self.markup):
            self._refuse(f"Unclosed start tag at byte offset {self._offset(begin)}")
        tag = name_match.group().lower()
        where = f"at byte offset {self._offset(begin)}"
        if tag not in HTML_TAGS:
            self._refuse(f'Unsupported start tag "{tag}" {where}')
        argument, unix_time = "", 0
        while self._char(at) != ">":
            at = self._skip_spaces(at)
            if self._char(at) == ">":
                break
            attribute_match = _ATTRIBUTE_NAME.match(self.markup, at)
            assert attribute_match is not None
            attribute = attribute_match.group()
            if not attribute:
                self._refuse(f'Empty attribute name in the tag "{tag}" {where}')
            at = self._skip_spaces(attribute_match.end())
            if self._char(at) != "=":
                if at >= len(self.markup):
                    self._refuse(f'Unclosed start tag "{tag}" {where}')
                if (tag, attribute) == ("blockquote", "expandable"):
                    argument = "1"
                continue  # an attribute without a value
            at = self._skip_spaces(at + 1)
            if at >= len(self.markup):
                self._refuse(f'Unclosed start tag "{tag}" {where}')
            value, at = self._attribute_value(at)
            if at >= len(self.markup):
                self._refuse(f"Unclosed start tag {where}")
            if (tag, attribute) in (("a", "href"), ("tg-emoji", "emoji-id"), ("tg-time", "format")):
                argument = value
            elif (tag, attribute) == ("code", "class") and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif (tag, attribute) == ("span", "class") and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
            elif (tag, attribute) == ("blockquote", "expandable"):
                argument = "1"
            elif (tag, attribute) == ("tg-time", "unix"):
                unix_time = int(value) if value.isdigit() else 0
        if tag == "span" and argument != "spoiler":
            self._refuse(f'Tag "span" must have class "tg-spoiler" {where}')
        if tag == "tg-time" and unix_time > 0 and not TIME_FORMAT.fullmatch(argument):
            self._refuse("Invalid date format used")
        self.open.append((tag, argument, len(self.shown)))
        return at + 1

    def _attribute_value(self, at: int) -> tuple[str, int]:
        """An attribute's value starting at ``at`` and where it ends."""
        quote = self._char(at)
        if quote not in "'\"":
            token = _NAME_TOKEN.match(self.markup, at)
            assert token is not None
            if self._char(token.end()) not in SPACE + ">\0":
                self._refuse(f"Unexpected end of name token at byte offset {self._offset(at)}")
            return token.group().lower(), token.end()
        value: list[str] = []
        at += 1
        while at < len(self.markup) and self.markup[at] != quote:
            decoded = self._entity(at) if self.markup[at] == "&" else None
            if decoded is None:
                value.append(self.markup[at])
                at += 1
            else:
                value.append(decoded[0])
                at = decoded[1]
        return "".join(value), at + 1 if at < len(self.markup) else at

    def _end_tag(self, begin: int) -> int:
        where = f"at byte offset {self._offset(begin)}"
        if not self.open:
            self._refuse(f"Unexpected end tag {where}")
        name_match = _TAG_NAME.match(self.markup, begin + 2)
        assert name_match is not None
        at = self._skip_spaces(name_match.end())
        if self._char(at) != ">":
            self._refuse(f"Unclosed end tag {where}")
        tag, argument, shown_before = self.open.pop()
        name = name_match.group().lower()
        if name and name != tag:
            self._refuse(f'Unmatched end tag {where}, expected "</{tag}>", found "</{name}>"')
        has_content = len(self.shown) > shown_before
        if tag == "tg-emoji" and has_content and not _is_emoji_id(argument):
            self._refuse("Invalid custom emoji identifier specified")
        return at + 1

    def _skip_spaces(self, at: int) -> int:
        spaces = _SPACES.match(self.markup, at)
        assert spaces is not None
        return spaces.end()


def _is_emoji_id(argument: str) -> bool:
    """A custom emoji identifier: a positive 64-bit integer."""
    return argument.isascii() and argument.isdigit() and 0 < int(argument) < 2**63
