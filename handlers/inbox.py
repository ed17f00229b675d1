"""/tanya_masuk (staff): questions the bot could not answer confidently, grouped, each with
buttons that teach the bot what it meant; figures on top."""

import html
from datetime import timedelta

from babel.numbers import format_percent
from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.commands import INBOX
from bot.context import SensusContext
from bot.domain.callbacks import Callback, parse_callback
from bot.domain.faq import CHAT_TOPICS, OUT_OF_SCOPE
from bot.domain.inbox import near_duplicates
from bot.i18n import N_
from handlers.auth import staff_only
from handlers.ui import keyboard, two_a_row
from storage.repository import SKIP, PendingQuestion

GROUPS_SHOWN = 5  # a page of the inbox
GUESSES = 3
WEEK = timedelta(days=7)
# The small-talk labels as staff read them (the ids are the matcher's).
SMALL_TALK_TITLES = {
    "chat-greeting": N_("👋 Salam"),
    "chat-thanks": N_("🙏 Terima kasih"),
    "chat-ack": N_("👌 Oke / baik"),
    "chat-who": N_("🤖 Siapa kamu?"),
    "chat-human": N_("🙋 Minta petugas"),
    "chat-bye": N_("🚶 Pamit"),
}


async def pending_groups(context: SensusContext) -> list[list[PendingQuestion]]:
    """Undecided questions, newest first, near-duplicates together."""
    pending = await context.services.repo.pending_questions()
    normaliser = context.services.faq.matcher.normaliser
    indices = near_duplicates([(q.lang, q.text) for q in pending], normaliser)
    return [[pending[i] for i in group] for group in indices]


async def figures_text(context: SensusContext, waiting: int) -> str:
    """This week's questions and outcome shares, the topics missed most, what waits."""
    services, t = context.services, context.t
    repo = services.repo
    since = services.clock.now() - WEEK
    counts: dict[str, int] = {}
    for _day, outcome, count in await repo.questions_by_day(since.timestamp()):
        counts[outcome] = counts.get(outcome, 0) + count
    asked = sum(counts.values())

    def share(outcome: str) -> str:
        return format_percent(
            counts.get(outcome, 0) / asked if asked else 0, locale=t.language.cldr
        )

    missed = await repo.missed_topics(repo.local_day(since))
    topics = ", ".join(
        f"{html.escape(topic_title(context, topic))} ({count})" for topic, count in missed
    )
    lines = [
        t._("<b>Tanya masuk</b> · 7 hari terakhir"),
        t._("Pertanyaan: {asked}").format(asked=asked),
        t._(
            'Terjawab yakin: {answer} · "Maksud Anda?": {clarify} · Tidak terjawab: {fallback}'
        ).format(answer=share("answer"), clarify=share("clarify"), fallback=share("fallback")),
        t._("Topik yang paling sering terlewat: {topics}").format(topics=topics or "–"),
        "",
        t._("Menunggu keputusan: {groups} kelompok pertanyaan.").format(groups=waiting)
        if waiting
        else t._("Tidak ada pertanyaan yang menunggu keputusan."),
    ]
    return "\n".join(lines)


def topic_title(context: SensusContext, label: str) -> str:
    """A label as staff read it: the topic's title, "out of scope", or the kind of small talk."""
    if label == OUT_OF_SCOPE:
        return context.t._("Di luar cakupan")
    if label == SKIP:
        return context.t._("Dilewati")
    if label in SMALL_TALK_TITLES:
        return context.t._(SMALL_TALK_TITLES[label])
    topic = context.services.faq.topic(label)
    return topic.title(context.t.code) if topic else label


def question_text(context: SensusContext, group: list[PendingQuestion]) -> str:
    """The newest question of a group, its language, and how many asked the same."""
    newest = group[0]
    line = f"❓ <i>{html.escape(newest.text)}</i>\n{newest.lang}"
    if len(group) > 1:
        line += " · " + context.t._("{count}× ditanyakan").format(count=len(group))
    return line


def decision_keyboard(context: SensusContext, group: list[PendingQuestion]) -> InlineKeyboardMarkup:
    """The bot's best guesses now and when asked, then the other decisions."""
    t, faq = context.t, context.services.faq
    newest = group[0].id
    guesses = [c.topic for c in faq.match(group[0].text).candidates]
    guesses += [q.best_topic for q in group if q.best_topic]
    topics = list(dict.fromkeys(g for g in guesses if faq.topic(g) is not None))[:GUESSES]
    rows = [[(topic_title(context, g), pick(newest, g))] for g in topics]
    rows.append([(t._("📂 Topik lain…"), Callback("inbox", "other", str(newest)))])
    rows.append(
        [
            (t._("🚫 Di luar cakupan"), pick(newest, OUT_OF_SCOPE)),
            (t._("💬 Obrolan ringan"), Callback("inbox", "chat", str(newest))),
        ]
    )
    rows.append([(t._("⏭️ Lewati"), pick(newest, SKIP))])
    return keyboard(rows)


def pick(question_id: int, label: str) -> Callback:
    """The button that decides a question's group."""
    return Callback("inbox", "pick", f"{question_id}.{label}")


async def inbox_command(update: Update, context: SensusContext) -> None:
    """/tanya_masuk (staff): the figures, then the newest groups with their buttons."""
    chat = update.effective_chat
    assert chat is not None
    groups = await pending_groups(context)
    await chat.send_message(await figures_text(context, len(groups)))
    await send_page(update, context, groups)


async def next_page(update: Update, context: SensusContext) -> None:
    """ "Next groups": the groups older than the last one shown (staff, checked again now)."""
    query, last_shown = await pressed_question(update)
    if last_shown is None:
        return
    await query.edit_message_reply_markup(None)
    # By question id rather than by position: groups decided since the last page are gone,
    # and a position would skip as many undecided ones.
    older = [g for g in await pending_groups(context) if g[0].id < last_shown]
    await send_page(update, context, older)


async def pressed_question(update: Update) -> tuple[CallbackQuery, int | None]:
    """Answer a button press; the question id it carries (None when it carries none)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    callback = parse_callback(query.data)
    return query, int(callback.arg) if callback and callback.arg.isdigit() else None


async def send_page(
    update: Update, context: SensusContext, groups: list[list[PendingQuestion]]
) -> None:
    """A page of groups with their buttons, then a button to the next page if any remain."""
    chat = update.effective_chat
    assert chat is not None
    page = groups[:GROUPS_SHOWN]
    for group in page:
        await chat.send_message(
            question_text(context, group), reply_markup=decision_keyboard(context, group)
        )
    left = len(groups) - len(page)
    if left:
        more = Callback("inbox", "more", str(page[-1][0].id))
        await chat.send_message(
            context.t._("Masih ada {groups} kelompok lagi.").format(groups=left),
            reply_markup=keyboard([[(context.t._("▶️ Berikutnya"), more)]]),
        )


async def other_topic(update: Update, context: SensusContext) -> None:
    """ "Another topic…": the menu groups, then a group's topics (staff, checked again now)."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    arg = callback.arg if callback else ""
    question, _, group = arg.partition(".")
    content, lang = context.services.faq.content, context.t.code
    await query.answer()
    if not question.isdigit():
        return
    if group in content.groups:
        rows = [[(t.title(lang), pick(int(question), t.id))] for t in content.in_group(group)]
    else:
        rows = [
            [(content.group_title(g, lang), Callback("inbox", "other", f"{question}.{g}"))]
            for g in content.groups
        ]
    await query.edit_message_reply_markup(keyboard(rows))


async def small_talk(update: Update, context: SensusContext) -> None:
    """ "Small talk": which kind (staff, checked again now)."""
    query, question = await pressed_question(update)
    if question is None:
        return
    labels = [(topic_title(context, label), pick(question, label)) for label in CHAT_TOPICS]
    await query.edit_message_reply_markup(keyboard(two_a_row(labels)))


async def decide(update: Update, context: SensusContext) -> None:
    """A decision on a question's group: stored (audited) and, unless skipped, learned by the
    running matcher within seconds (staff, checked again now)."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and user is not None
    services, t = context.services, context.t
    callback = parse_callback(query.data)
    question, _, label = (callback.arg if callback else "").partition(".")
    if not question.isdigit() or label not in services.faq.content.labels() | {SKIP}:
        await query.answer(t._("Tombol ini sudah tidak berlaku."))
        return
    group = next(
        (g for g in await pending_groups(context) if any(q.id == int(question) for q in g)), None
    )
    decided = 0
    if group is not None:
        decided = await services.repo.decide(
            [q.id for q in group], label, user.id, services.clock.now()
        )
    if group is None or not decided:
        await query.answer(t._("Pertanyaan ini sudah diputuskan."))
        return
    await query.answer()
    if label != SKIP:
        services.run_in_background(services.learn_reviewed(), "learn-reviewed")
    await query.edit_message_text(
        f"{question_text(context, group)}\n✅ "
        + t._("{label} · {count} pertanyaan").format(
            label=html.escape(topic_title(context, label)), count=decided
        )
    )


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature; every one for staff only."""
    return [
        CommandHandler(INBOX.names(), staff_only(inbox_command)),
        CallbackQueryHandler(staff_only(decide), pattern=r"^inbox:pick:"),
        CallbackQueryHandler(staff_only(other_topic), pattern=r"^inbox:other:"),
        CallbackQueryHandler(staff_only(small_talk), pattern=r"^inbox:chat:"),
        CallbackQueryHandler(staff_only(next_page), pattern=r"^inbox:more:"),
    ]
