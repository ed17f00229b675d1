"""The life of a staff broadcast: its phases (draft, queued, paused, cancelled, finished) and
what pause, resume and cancel may do in each."""

from collections.abc import Mapping

ACTIONS = ("pause", "resume", "cancel")
WAITING = ("pending", "sending", "paused")  # outbox statuses of messages not sent yet

# (phase, action) -> the broadcast's stored status afterwards; anything else changes nothing.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("queued", "pause"): "paused",
    ("paused", "resume"): "queued",
    ("queued", "cancel"): "cancelled",
    ("paused", "cancel"): "cancelled",
    ("draft", "cancel"): "cancelled",
}


def phase_of(status: str, figures: Mapping[str, int]) -> str:
    """The phase of a broadcast from its stored status and its outbox figures: a queued or
    paused broadcast with nothing left to send is finished."""
    if status in ("queued", "paused") and not any(figures.get(s, 0) for s in WAITING):
        return "finished"
    return status


def steered_status(phase: str, action: str) -> str | None:
    """The status a broadcast in ``phase`` gets from ``action``; None: the action does not
    apply (resume of a cancelled broadcast, pause of a finished one, ...)."""
    return TRANSITIONS.get((phase, action))
