"""Send pacing under Telegram's limits: an overall rate, 1/s per chat, 20/min per group."""

from dataclasses import dataclass, field

PRIVATE_GAP = 1.0  # seconds between two messages to one person
GROUP_GAP = 3.0  # 20 messages a minute to one group


@dataclass
class Pacer:
    """Books send slots on a monotonic clock: evenly spaced overall, spaced per chat."""

    rate: float
    _next_slot: float = 0.0
    _chat_ready: dict[int, float] = field(default_factory=dict)

    def chat_ready_at(self, chat_id: int) -> float:
        """When the next message to this chat may go out."""
        return self._chat_ready.get(chat_id, 0.0)

    def take(self, chat_id: int, now: float) -> float:
        """Book the next overall slot for a chat that is ready; return when to send.

        Slots follow a fixed schedule, so a late wake-up is made up by the next slot
        instead of slowing the rate; the schedule never lags more than one slot behind,
        so no burst goes beyond one extra message.
        """
        interval = 1.0 / self.rate
        slot = max(self._next_slot, now - interval)
        self._next_slot = slot + interval
        at = max(slot, now)
        self._chat_ready[chat_id] = at + (GROUP_GAP if chat_id < 0 else PRIVATE_GAP)
        return at

    def pause_until(self, moment: float) -> None:
        """Hold every send until ``moment`` (a 429 asked for it)."""
        self._next_slot = max(self._next_slot, moment)

    def forget_before(self, now: float) -> None:
        """Drop per-chat bookings that no longer restrict anything (memory stays small)."""
        self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
