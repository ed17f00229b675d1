"""/panduan: the online form step by step, edited in place, resumable after restarts."""

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.commands import GUIDE
from bot.context import SensusContext
from bot.domain.callbacks import Callback, parse_callback
from bot.domain.faq import pick_variant
from bot.domain.guide import Step, Texts
from bot.domain.phases import Phase, phase_of
from bot.i18n import N_
from handlers.ui import as_button, edit_in_place, keyboard, main_menu

BACK = N_("⬅️ Kembali")
SCAM_TOPIC = "scam-warning"
FIELD_TOPIC = "field-when"
ONLINE_OPEN = N_(
    "✅ Sensus online dibuka sampai <b>{online_end}</b> pukul {online_end_time} "
    "(= {online_end_local}), tinggal {online_left}."
)
ONLINE_BEFORE = N_(
    "⏳ Sensus online <b>belum dibuka</b>: dibuka <b>{online_start}</b>. Anda sudah bisa "
    "membaca langkah-langkahnya sekarang, dan saya bisa mengingatkan Anda saat dibuka."
)
ONLINE_CLOSED = N_(
    "⛔ Sensus online <b>sudah ditutup</b> pada {online_end}. Langkah-langkah ini tidak bisa "
    "dipakai lagi, tetapi tetap boleh dibaca."
)
# After the online census: what to do instead, by the phase of the field visits.
FIELD_INSTEAD = {
    "before": N_(
        "Yang bisa dilakukan sekarang: petugas sensus akan datang ke rumah pada "
        "<b>{field_dates}</b>. Siapkan KK Anda."
    ),
    "open": N_(
        "Yang bisa dilakukan sekarang: petugas sensus sedang mendatangi rumah warga sampai "
        "<b>{field_end}</b>. Siapkan KK Anda."
    ),
    "closed": N_(
        "Tahap lapangan juga sudah selesai ({field_dates}). Jika keluarga Anda belum didata, "
        "hubungi WhatsApp SP2020 {contact_whatsapp}."
    ),
}  # fmt: skip


def placeholders(context: SensusContext) -> dict[str, str]:
    """Calendar values for the current user's language, zone and the phase now."""
    return context.reader.values


def variant(context: SensusContext, texts: Texts) -> str:
    """A text of the guide for the calendar in force and the phase now."""
    services = context.services
    return pick_variant(texts, context.t.code, services.calendar, services.clock.now()) or ""


def field(context: SensusContext, step: Step, name: str) -> str:
    """One text of a step, rendered for the user (empty when the step has none)."""
    services = context.services
    text = step.text(name, context.t.code, services.calendar, services.clock.now())
    return text.format_map(placeholders(context)) if text else ""


def online_phase(context: SensusContext) -> Phase | None:
    """The phase of the online census now, if the calendar has one."""
    services = context.services
    online = next((e for e in services.calendar.events if e.kind == "online"), None)
    return phase_of(services.calendar, online, services.clock.now()) if online else None


def phase_notice(context: SensusContext) -> tuple[str, list[list[tuple[str, Callback]]]]:
    """What the guide says first about the online census today, and what to do instead
    when it is not open (buttons: the field visit, the schedule, reminders)."""
    phase = online_phase(context)
    if phase is None:
        return "", []
    t = context.t
    values = placeholders(context)
    if phase.state == "open":
        return t._(ONLINE_OPEN).format_map(values), []
    instead = [
        [(t._("📅 Jadwal"), Callback("schedule", "show")),
         (t._("🔔 Pengingat"), Callback("remind", "start"))]
    ]  # fmt: skip
    if phase.state == "before":
        return t._(ONLINE_BEFORE).format_map(values), instead
    lines = [t._(ONLINE_CLOSED).format_map(values)]
    field_visit = phase.replaced_by
    if field_visit is not None:
        state = phase_of(context.services.calendar, field_visit, context.services.clock.now())
        lines.append(t._(FIELD_INSTEAD[state.state]).format_map(values))
        topic = context.services.faq.topic(FIELD_TOPIC)
        if topic is not None and state.state != "closed":
            instead.insert(0, [(topic.title(t.code), Callback("faq", "show", topic.id))])
    return "\n".join(lines), instead


def heading(context: SensusContext, step: Step) -> str:
    """ "Langkah 3 dari 11 · Masuk (login)"."""
    number, total = context.services.guide.position(step.id, context.services.calendar.access)
    title = html.escape(field(context, step, "title"))
    return context.t._("Langkah {number} dari {total} · {title}").format(
        number=number, total=total, title=title
    )


def step_view(context: SensusContext, step: Step) -> tuple[str, InlineKeyboardMarkup]:
    """The message for one step and its buttons."""
    t = context.t
    guide = context.services.guide
    access = context.services.calendar.access
    notice, instead = phase_notice(context)
    text = (
        f"<b>{heading(context, step)}</b>\n\n{field(context, step, 'text')}\n\n"
        f"⚠️ {field(context, step, 'watch')}"
    )
    if notice:
        text = f"{notice}\n\n{text}"
    previous, following = guide.neighbour(step.id, access, -1), guide.neighbour(step.id, access, 1)
    moves = []
    if previous:
        moves.append((t._(BACK), Callback("guide", "go", previous.id)))
    if following:
        moves.append((t._("Lanjut ➡️"), Callback("guide", "go", following.id)))
    else:
        moves.append((t._("✅ Selesai"), Callback("guide", "done")))
    rows = [*instead, moves, [(t._("🆘 Saya macet di sini"), Callback("guide", "help", step.id))]]
    if step.check:
        rows.append(
            [
                (t._("🔎 Cek NIK"), Callback("guide", "check", "nik")),
                (t._("🔎 Cek nomor KK"), Callback("guide", "check", "kk")),
            ]
        )
    for branch_id in step.branches:
        branch = guide.branches[branch_id]
        title = variant(context, branch.titles)
        rows.append([(title, Callback("guide", "branch", branch_id))])
    rows.append(
        [
            (t._("⚠️ Waspada penipuan"), Callback("guide", "scam", step.id)),
            (t._("✖️ Keluar"), Callback("guide", "exit")),
        ]
    )
    return text, keyboard(rows)


def back_to(context: SensusContext, step: Step) -> InlineKeyboardMarkup:
    """A single button back to a step."""
    return keyboard([[(context.t._(BACK), Callback("guide", "go", step.id))]])


async def current_step(context: SensusContext) -> Step:
    """The user's stored step, or the first one."""
    services = context.services
    access = services.calendar.access
    account = context.account
    progress = await services.repo.guide_progress(account.user_id) if account else None
    step = services.guide.step(progress.step, access) if progress else None
    return step or services.guide.steps_for(access)[0]


async def guide_command(update: Update, context: SensusContext) -> None:
    """/panduan: start, or offer to continue where the user stopped."""
    services = context.services
    chat = update.effective_chat
    if chat is None or context.account is None:
        return
    first = services.guide.steps_for(services.calendar.access)[0]
    progress = await services.repo.guide_progress(context.account.user_id)
    stopped = services.guide.step(progress.step, services.calendar.access) if progress else None
    if stopped is not None and stopped.id != first.id:
        t = context.t
        number, total = services.guide.position(stopped.id, services.calendar.access)
        title = html.escape(field(context, stopped, "title"))
        continue_label = t._("▶️ Lanjut di langkah {number}")
        notice, instead = phase_notice(context)
        stopped_at = t._("Anda berhenti di langkah {number} dari {total}: {title}.").format(
            number=number, total=total, title=title
        )
        await chat.send_message(
            f"{notice}\n\n{stopped_at}" if notice else stopped_at,
            reply_markup=keyboard(
                [
                    [(continue_label.format(number=number), Callback("guide", "go", stopped.id))],
                    [(t._("🔄 Mulai dari awal"), Callback("guide", "go", first.id))],
                    *instead,
                ]
            ),
        )
        return
    await services.repo.save_guide_step(context.account.user_id, first.id, services.clock.now())
    text, markup = step_view(context, first)
    await chat.send_message(text, reply_markup=markup)


async def go_to_step(update: Update, context: SensusContext) -> None:
    """Back / Next / Continue: store the step, then show it in the same message."""
    query = update.callback_query
    assert query is not None
    if context.account is None:
        return
    callback = parse_callback(query.data)
    services = context.services
    step = services.guide.step(callback.arg, services.calendar.access) if callback else None
    if step is None:
        await query.answer(context.t._("Tombol ini sudah tidak berlaku."))
        return
    await services.repo.save_guide_step(context.account.user_id, step.id, services.clock.now())
    await query.answer()
    text, markup = step_view(context, step)
    await edit_in_place(query, text, markup)


async def step_help(update: Update, context: SensusContext) -> None:
    """ "I'm stuck here": the common problems of this step."""
    query = update.callback_query
    assert query is not None
    step = await current_step(context)
    await query.answer()
    text = f"<b>{heading(context, step)}</b>\n\n🆘 {field(context, step, 'help')}"
    await edit_in_place(query, text, back_to(context, step))


async def show_branch(update: Update, context: SensusContext) -> None:
    """A side path (no internet, new KK, family elsewhere), with a way back."""
    query = update.callback_query
    assert query is not None
    callback = parse_callback(query.data)
    services = context.services
    branch = services.guide.branches.get(callback.arg) if callback else None
    step = await current_step(context)
    await query.answer()
    if branch is None:
        return
    title = html.escape(variant(context, branch.titles))
    body = variant(context, branch.texts).format_map(placeholders(context))
    await edit_in_place(query, f"<b>{title}</b>\n\n{body}", back_to(context, step))


async def show_scam_warning(update: Update, context: SensusContext) -> None:
    """The scam warning, one tap away from every step."""
    query = update.callback_query
    assert query is not None
    services = context.services
    step = await current_step(context)
    topic = services.faq.topic(SCAM_TOPIC)
    assert topic is not None
    await query.answer()
    text = services.faq.answer(topic, context.reader)
    await edit_in_place(query, text, back_to(context, step))


async def ask_for_number(update: Update, context: SensusContext) -> None:
    """Check buttons at the login step: the next number typed is checked as NIK or KK."""
    query = update.callback_query
    assert query is not None
    if context.account is None:
        return
    callback = parse_callback(query.data)
    if callback is None or callback.arg not in ("nik", "kk"):
        await query.answer()
        return
    await context.services.repo.set_awaiting_check(context.account.user_id, callback.arg)
    await query.answer()
    t = context.t
    label = t._("NIK") if callback.arg == "nik" else t._("nomor KK")
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_message(
        t._(
            "Ketik {label} Anda (16 angka). Saya hanya memeriksa bentuknya, tidak menyimpannya, "
            "dan pesan Anda langsung saya hapus setelah diperiksa."
        ).format(label=label)
    )


async def exit_guide(update: Update, context: SensusContext) -> None:
    """Exit: keep the place, say how to come back."""
    query = update.callback_query
    assert query is not None
    step = await current_step(context)
    number, _ = context.services.guide.position(step.id, context.services.calendar.access)
    await query.answer()
    await edit_in_place(
        query,
        context.t._("Panduan dijeda di langkah {number}. Ketik /panduan untuk melanjutkan.").format(
            number=number
        ),
        None,
    )


async def finish_guide(update: Update, context: SensusContext) -> None:
    """The last step's Done: forget the place, show the main menu."""
    query = update.callback_query
    assert query is not None
    if context.account is None:
        return
    await context.services.repo.finish_guide(context.account.user_id)
    await context.services.repo.record_guide_finished(
        context.account.user_id, context.services.clock.now().timestamp()
    )
    await query.answer()
    await edit_in_place(
        query,
        context.t._("✅ Panduan selesai. Terima kasih sudah ikut Sensus Penduduk 2020!"),
        main_menu(context.t),
    )


def handlers() -> list[BaseHandler[Update, SensusContext, None]]:
    """Handlers of this feature."""
    return [
        CommandHandler(GUIDE.names(), guide_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(as_button(guide_command), pattern=r"^guide:start:$"),
        CallbackQueryHandler(go_to_step, pattern=r"^guide:go:"),
        CallbackQueryHandler(step_help, pattern=r"^guide:help:"),
        CallbackQueryHandler(show_branch, pattern=r"^guide:branch:"),
        CallbackQueryHandler(show_scam_warning, pattern=r"^guide:scam:"),
        CallbackQueryHandler(ask_for_number, pattern=r"^guide:check:"),
        CallbackQueryHandler(exit_guide, pattern=r"^guide:exit:$"),
        CallbackQueryHandler(finish_guide, pattern=r"^guide:done:$"),
    ]
