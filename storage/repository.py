"""The repository: one facade over the per-aggregate parts, on SQLite or PostgreSQL
(storage/engine.py); the only code that writes SQL lives in storage/."""

from storage.broadcasts import Broadcast, BroadcastStore, Steered, text_in
from storage.calendar import CalendarRevision, CalendarStore
from storage.coordination import Leadership
from storage.database import Database, FileState, StorageError, inspect_file, migrations
from storage.faq import FaqStore, UnansweredQuestion
from storage.groups import Group, GroupStore
from storage.guide import GuideProgress, GuideStore
from storage.helpdesk import HelpdeskStore, Ticket
from storage.inbox import SKIP, InboxStore, PendingQuestion
from storage.leadership import LeadershipStore
from storage.outbox import OutboxRow, OutboxStore
from storage.retention import RetentionStore
from storage.roles import INVITATION_REF, Invitation, Role, RoleStore
from storage.statistics import StatisticsStore
from storage.subscriptions import SubscriptionStore
from storage.updates import UpdateStore
from storage.users import User, UserStore

__all__ = [
    "INVITATION_REF",
    "SKIP",
    "Broadcast",
    "CalendarRevision",
    "FileState",
    "Group",
    "GuideProgress",
    "Invitation",
    "Leadership",
    "OutboxRow",
    "PendingQuestion",
    "Repository",
    "Role",
    "Steered",
    "StorageError",
    "Ticket",
    "UnansweredQuestion",
    "User",
    "inspect_file",
    "migrations",
    "text_in",
]


class Repository(
    Database,
    UserStore,
    FaqStore,
    GuideStore,
    SubscriptionStore,
    OutboxStore,
    CalendarStore,
    RoleStore,
    GroupStore,
    BroadcastStore,
    RetentionStore,
    HelpdeskStore,
    InboxStore,
    StatisticsStore,
    UpdateStore,
    LeadershipStore,
):
    """Everything the bot keeps, in domain terms; open with ``await Repository.open(path)``."""
