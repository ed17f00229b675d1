"""Questions in the residents' own words: answers, "did you mean", topics menu, inline cards."""

import html
from uuid import uuid4

from telegram import (
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageEntityType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.context import SensusContext
from bot.domain.assistant import Choice, Reply, fallback_message
from bot.domain.callbacks import Callback, parse_callback
from bot.domain.faq import Topic
from handlers.helpdesk import offer_person
from handlers.ui import main_menu, menu_keyboard

# Shown for an empty inline query, so "@bot" alone offers the most useful cards.
POPULAR = ("schedule-overview", "how-to-fill-online", "scam-warning", "officer-identity",
           "contact-help")  # fmt: skip
INLINE_RESULTS = 5


def topic_answer(context: SensusContext, topic: Topic) -> str:
    """The topic's answer for the current user, dates from the active calendar."""
    return context.services.faq.answer(topic, context.reader)


def answer_keyboard(context: SensusContext, topic: Topic) -> InlineKeyboardMarkup:
    """Related topics, then 👍/👎 for this answer."""
    related = context.services.faq.choices(topic.related, context.t.code)
    return menu_keyboard([*choice_rows(related), vote_row(topic.id)])


def vote_row(topic_id: str) -> list[tuple[str, Callback]]:
    """👍/👎 for an answer."""
    return [("👍", Callback("faq", "up", topic_id)), ("👎", Callback("faq", "down", topic_id))]


def choice_rows(choices: tuple[Choice, ...]) -> list[list[tuple[str, Callback]]]:
    """One button row per offered topic."""
    return [[(choice.title, Callback("faq", "show", choice.topic))] for choice in choices]


def topics_menu(context: SensusContext) -> InlineKeyboardMarkup:
    """One button per topic group."""
    content = context.services.faq.content
    lang = context.t.code
    return menu_keyboard(
        [[(content.group_title(g, lang), Callback("faq", "group", g))] for g in content.groups]
    )


def fallback_text(context: SensusContext) -> str:
    """The honest "I can only help with the census" reply, with the official contacts."""
    return fallback_message(context.t._, context.services.calendar)


def question_text(message: Message, bot_username: str) -> str:
    """The question with any @mention of the bot removed."""
    text = message.text or ""
    return text.replace(f"@{bot_username}", " ").strip()


def addressed_to_bot(message: Message, bot_username: str, bot_id: int) -> bool:
    """In a group: whether the message mentions the bot or replies to it."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    mentions = message.parse_entities([MessageEntityType.MENTION]).values()
    return f"@{bot_username}".lower() in (m.lower() for m in mentions)


async def ask(update: Update, context: SensusContext) -> None:
    """Match free text to a topic and answer, ask back, or fall back honestly."""
    message = update.effective_message
    chat = update.effective_chat
    assert message is not None and chat is not None
    bot = context.bot
    private = chat.type == ChatType.PRIVATE
    if not private and not addressed_to_bot(message, bot.username, bot.id):
        return
    question = question_text(message, bot.username)
    services = context.services
    now = services.clock.now()
    reply = services.faq.reply(question, context.reader)
    match = reply.match
    services.metrics.faq_outcomes.labels(match.outcome).inc()
    if match.outcome != "chat":  # the statistics count questions, not small talk
        best = match.topic or (match.candidates[0].topic if match.candidates else None)
        await services.repo.record_question(context.t.code, match.outcome, best, now)
    if match.outcome in ("clarify", "fallback"):
        await services.repo.record_unanswered(
            question,
            context.t.code,
            match.outcome,
            match.candidates[0].topic if match.candidates else None,
            match.score,
            services.clock.now(),
        )
    if not private:
        # In a group: no buttons, so no "did you mean" either.
        shown = fallback_text(context) if match.outcome == "clarify" else reply.text
        await message.reply_text(shown)
        return
    await message.reply_text(reply.text, reply_markup=reply_keyboard(context, reply))


def reply_keyboard(context: SensusContext, reply: Reply) -> InlineKeyboardMarkup:
    """The buttons under a reply in a private chat."""
    match = reply.match
    if match.outcome == "answer" and match.topic is not None:
        return menu_keyboard([*choice_rows(reply.choices), vote_row(match.topic)])
    if match.outcome == "clarify":
        return offer_person(
            context.t,
            menu_keyboard(
                [
                    *choice_rows(reply.choices),
                    [(context.t._("❌ Bukan semuanya"), Callback("faq", "none"))],
                ]
            ),
        )
    if match.outcome == "chat":  # the main menu offers "🙋 Tanya petugas" too
        return main_menu(context.t)
    return offer_person(context.t, topics_menu(context))


async def show_topic(update: Update, context: SensusContext) -> None:
    """A topic button: send that topic's answer."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    topic = context.services.faq.topic(callback.arg) if callback else None
    await query.answer()
    if topic is None:
        return
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_message(
        topic_answer(context, topic), reply_markup=answer_keyboard(context, topic)
    )


async def none_of_these(update: Update, context: SensusContext) -> None:
    """ "None of these" under a "did you mean": the honest fallback and the topics menu."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(
        fallback_text(context), reply_markup=offer_person(context.t, topics_menu(context))
    )


async def show_menu(update: Update, context: SensusContext) -> None:
    """The topics menu (from the main menu, or "back" from a group)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    text = context.t._("Pilih topik:")
    if query.message is not None and getattr(query.message, "text", None) == text:
        await query.edit_message_reply_markup(topics_menu(context))
    else:
        chat = update.effective_chat
        if chat is None:
            return
        await chat.send_message(text, reply_markup=topics_menu(context))


async def show_group(update: Update, context: SensusContext) -> None:
    """The topics of one group, edited into the menu message."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    content = context.services.faq.content
    await query.answer()
    if callback is None or callback.arg not in content.groups:
        return
    lang = context.t.code
    rows = [
        [(t.title(lang), Callback("faq", "show", t.id))] for t in content.in_group(callback.arg)
    ]
    rows.append([(context.t._("⬅️ Kembali"), Callback("faq", "menu"))])
    await query.edit_message_text(
        f"<b>{html.escape(content.group_title(callback.arg, lang))}</b>",
        reply_markup=menu_keyboard(rows),
    )


async def vote(update: Update, context: SensusContext) -> None:
    """👍/👎 under an answer: store it once per user and topic, then thank them."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    services = context.services
    if callback is None or services.faq.topic(callback.arg) is None or context.account is None:
        await query.answer()
        return
    await services.repo.record_feedback(
        context.account.user_id, callback.arg, callback.action == "up", services.clock.now()
    )
    await query.answer(context.t._("Terima kasih atas masukan Anda!"))


async def inline_cards(update: Update, context: SensusContext) -> None:
    """``@bot jadwal`` in any chat: matching answers as cards to share."""
    inline = update.inline_query
    assert inline is not None
    faq = context.services.faq
    if inline.query.strip():
        match = faq.match(inline.query)
        offered = match.outcome in ("answer", "clarify")
        ids = [c.topic for c in match.candidates] if offered else []
    else:
        ids = list(POPULAR)
    footer = context.t._("— Sensus Penduduk 2020 · tanya @{bot}").format(bot=context.bot.username)
    results = []
    for topic_id in ids[:INLINE_RESULTS]:
        topic = faq.topic(topic_id)
        if topic is None:
            continue
        answer = topic_answer(context, topic)
        title = topic.title(context.t.code)
        results.append(
            InlineQueryResultArticle(
                id=f"{topic.id}:{uuid4().hex[:8]}",
                title=title,
                description=html_first_line(answer),
                input_message_content=InputTextMessageContent(
                    f"<b>{html.escape(title)}</b>\n{answer}\n\n{footer}"
                ),
            )
        )
    await inline.answer(results, cache_time=60, is_personal=True)


def html_first_line(markup: str) -> str:
    """The first line of an answer as plain text, for a card's description."""
    first = markup.split("\n", 1)[0]
    for tag in ("<b>", "</b>", "<i>", "</i>"):
        first = first.replace(tag, "")
    return html.unescape(first)[:120]


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; free text in private chats and mentions in groups."""
    text = filters.TEXT & ~filters.COMMAND
    return [
        MessageHandler(text & (filters.ChatType.PRIVATE | filters.ChatType.GROUPS), ask),
        CallbackQueryHandler(show_topic, pattern=r"^faq:show:"),
        CallbackQueryHandler(none_of_these, pattern=r"^faq:none:$"),
        CallbackQueryHandler(show_menu, pattern=r"^faq:menu:$"),
        CallbackQueryHandler(show_group, pattern=r"^faq:group:"),
        CallbackQueryHandler(vote, pattern=r"^faq:(up|down):"),
        InlineQueryHandler(inline_cards),
    ]
