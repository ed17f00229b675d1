"""Queueing what the bot sends on its own, with the bot's services: announcements, calendar
notices, helpdesk tickets and replies, a broadcast from a draft, one person's reminders, and
a revised calendar put in force."""

from bot.domain.audience import parse_audience
from bot.domain.calendar import Calendar
from bot.outbox.broadcasts import queue_broadcast
from bot.outbox.content import (
    Announcement,
    CalendarChange,
    Content,
    Ticket,
    TicketReply,
    cause,
    pack,
)
from bot.outbox.planning import Applied, apply_revision, plan_reminders
from bot.services import Services
from storage.repository import Broadcast


async def enqueue(
    services: Services, chat_id: int, user_id: int | None, content: Content, due: float
) -> bool:
    """Queue one message (its content reference is also its dedupe key)."""
    key = pack(content)
    return await services.repo.enqueue(chat_id, user_id, cause(content), key, key, due)


async def queue_draft(services: Services, broadcast: Broadcast) -> int:
    """Queue a draft for its audience; wake the sender."""
    # Drafts only ever hold checked audiences.
    audience = parse_audience(broadcast.audience, services.i18n.codes)
    count = await queue_broadcast(services.repo, broadcast.id, audience)
    services.wake_sender()
    return count


async def queue_announcement(services: Services, announcement_id: int, author: int) -> int:
    """Queue an RT head's announcement for each group linked to them; the number of groups."""
    groups = await services.repo.linked_groups(author)
    now = services.clock.now().timestamp()
    for group in groups:
        await enqueue(services, group.chat_id, None, Announcement(announcement_id), now)
    services.wake_sender()
    return len(groups)


async def queue_calendar_notice(services: Services, revision: int) -> int:
    """Queue the "schedule changed" notice of a revision for every subscriber, once."""
    notice = CalendarChange(revision)
    key, now = pack(notice), services.clock.now().timestamp()
    count = await services.repo.enqueue_to_subscribers(cause(notice), key, key, now)
    services.wake_sender()
    return count


async def queue_ticket(services: Services, helpdesk: int, ticket: Ticket, due: float) -> None:
    """Show a ticket in the helpdesk group at ``due``."""
    await enqueue(services, helpdesk, None, ticket, due)
    services.wake_sender()


async def queue_ticket_reply(services: Services, resident: int, reply_id: int) -> None:
    """Send a staff reply to the resident who asked."""
    await enqueue(
        services, resident, resident, TicketReply(reply_id), services.clock.now().timestamp()
    )
    services.wake_sender()


async def replan_user(services: Services, user_id: int) -> None:
    """Re-plan one person's reminders after a change of groups or region."""
    await services.repo.forget_pending_reminders(user_id)
    await plan_reminders(
        services.repo,
        services.calendar,
        services.clock.now(),
        services.settings.quiet_hours,
        services.readers.zone(None),  # people without a regency
        user_id=user_id,
    )
    services.wake_sender()


async def apply_calendar(
    services: Services, revised: Calendar, body: str, source: str, created_by: str
) -> Applied:
    """Put a revised calendar in force now: stored, answers follow, reminders re-planned."""
    applied = await apply_revision(
        services.repo,
        services.calendar,
        revised,
        body,
        source,
        created_by,
        services.clock.now(),
        services.settings.quiet_hours,
        services.readers.zone(None),  # people without a regency
    )
    services.use_calendar(revised, applied.revision_id)
    services.wake_sender()
    return applied
