"""The outbox wing's typed content references and broadcast progress, without Telegram."""

import pytest

from bot.i18n import load_i18n
from bot.outbox import content
from bot.outbox.broadcasts import BroadcastProgress
from storage.repository import Broadcast


@pytest.mark.parametrize(
    ("ref", "packed"),
    [
        (content.Broadcast(12), "broadcast:12"),
        (content.Reminder("online-closing-7d"), "reminder:online-closing-7d"),
        (content.Announcement(3), "announcement:3"),
        (content.CalendarChange(2), "calendar-change:2"),
        (content.Ticket(7), "ticket:7"),
        (content.Ticket(7, 2), "ticket:7:2"),
        (content.TicketReply(5), "ticket-reply:5"),
    ],
)
def test_every_reference_packs_to_what_the_outbox_stores_and_parses_back(ref, packed):
    assert content.pack(ref) == packed
    assert content.parse(packed) == ref


@pytest.mark.parametrize(
    "text", ["", "broadcast:", "broadcast:x", "broadcast:1:2", "ticket:1:2:3", "test:x", "1"]
)
def test_anything_this_bot_did_not_write_parses_to_none(text):
    assert content.parse(text) is None


def test_tickets_and_replies_count_as_helpdesk_messages():
    assert content.cause(content.Ticket(1, 3)) == content.cause(content.TicketReply(1))
    assert content.cause(content.Ticket(1)) == "helpdesk"


def test_progress_counts_what_is_left_once_for_every_view():
    figures = {"sent": 120, "failed": 1, "dropped": 1, "blocked": 3, "pending": 870, "paused": 6}
    broadcast = Broadcast(4, "staff", "all", "paused", 0.0, {"id": "x"}, figures)
    progress = BroadcastProgress.of(broadcast)
    assert (progress.left, progress.done, progress.total) == (876, 125, 1001)
    assert not progress.over
    assert progress.minutes_left(rate=1.0) == 15
    t = load_i18n().translator("id")
    assert progress.figures(t) == "terkirim 120 · gagal 2 · diblokir 3 · sisa 876"
