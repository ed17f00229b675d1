"""Staff and RT roles, RT invitations, and the audit trail of both."""

from dataclasses import dataclass
from datetime import datetime

from storage.engine import Sql
from storage.outbox import cancel_pending
from storage.queries import SqlAccess


@dataclass(frozen=True)
class Role:
    """A staff member or an RT head (with their area)."""

    user_id: int
    role: str
    area: str | None
    region: str | None


@dataclass(frozen=True)
class Invitation:
    """An RT invitation not used yet; ``ref`` (the start of its code's hash) names it."""

    ref: str
    area: str
    expires_at: datetime


INVITATION_REF = 12  # hex digits of the code's hash that name an invitation (and audit it)

# Granting a role the user has replaces its area, region and who granted it when.
REPLACE_ROLE = (
    "ON CONFLICT (user_id, role) DO UPDATE SET area = excluded.area, region = excluded.region,"
    " granted_by = excluded.granted_by, granted_at = excluded.granted_at"
)


class RoleStore(SqlAccess):
    """Staff and RT roles, RT invitations, and the audit trail of both (part of Repository)."""

    async def roles(self, user_id: int) -> dict[str, Role]:
        """The user's roles by name."""
        rows = await self._all("SELECT * FROM roles WHERE user_id = ?", (user_id,))
        return {r["role"]: Role(r["user_id"], r["role"], r["area"], r["region"]) for r in rows}

    async def staff(self) -> list[int]:
        """Every staff member's user id."""
        rows = await self._all("SELECT user_id FROM roles WHERE role = 'staff' ORDER BY user_id")
        return [int(r[0]) for r in rows]

    async def grant_role(
        self,
        user_id: int,
        role: str,
        actor: int,
        now: datetime,
        area: str | None = None,
        region: str | None = None,
    ) -> None:
        """Give a role (replacing the same role's area) and audit it."""
        async with self._transaction() as db:
            await db.write(
                "INSERT INTO roles (user_id, role, area, region, granted_by, granted_at)"
                f" VALUES (?, ?, ?, ?, ?, ?) {REPLACE_ROLE}",
                (user_id, role, area, region, actor, now.isoformat()),
            )
            await audit(db, now, actor, f"grant-{role}", str(user_id), area)

    async def revoke_role(self, user_id: int, role: str, actor: int, now: datetime) -> bool:
        """Take a role away and audit it; False if the user did not have it."""
        async with self._transaction() as db:
            changed = await db.write(
                "DELETE FROM roles WHERE user_id = ? AND role = ?", (user_id, role)
            )
            if changed:
                await audit(db, now, actor, f"revoke-{role}", str(user_id), None)
            return changed > 0

    async def add_invitation(
        self, code_hash: str, area: str, region: str, actor: int, now: datetime, expires: datetime
    ) -> None:
        """Store an RT invitation (only the code's hash) and audit it."""
        async with self._transaction() as db:
            await db.write(
                "INSERT INTO rt_invitations (code_hash, area, region, created_by, created_at,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (code_hash, area, region, actor, now.isoformat(), expires.isoformat()),
            )
            await audit(db, now, actor, "invite-rt", code_hash[:INVITATION_REF], area)

    async def redeem_invitation(self, code_hash: str, user_id: int, now: datetime) -> Role | None:
        """Use an unused, unexpired invitation: the user becomes RT head of its area."""
        async with self._transaction() as db:
            rows = await db.all(
                "UPDATE rt_invitations SET used_by = ?, used_at = ? WHERE code_hash = ?"
                " AND used_by IS NULL AND expires_at > ? RETURNING area, region, created_by",
                (user_id, now.isoformat(), code_hash, now.isoformat()),
            )
            found = list(rows)
            if not found:
                return None
            area, region, inviter = found[0]
            await db.write(
                "INSERT INTO roles (user_id, role, area, region, granted_by, granted_at)"
                f" VALUES (?, 'rt', ?, ?, ?, ?) {REPLACE_ROLE}",
                (user_id, area, region, inviter, now.isoformat()),
            )
            await audit(db, now, user_id, "join-rt", code_hash[:INVITATION_REF], area)
            return Role(user_id, "rt", area, region)

    async def rt_heads(self) -> list[Role]:
        """Every RT head, by area."""
        rows = await self._all("SELECT * FROM roles WHERE role = 'rt' ORDER BY area, user_id")
        return [Role(r["user_id"], r["role"], r["area"], r["region"]) for r in rows]

    async def remove_rt_head(self, user_id: int, actor: int, now: datetime) -> list[int] | None:
        """Take the RT-head role away, unlink their groups (until a new head links them) and
        cancel their announcements not sent yet; audited. The unlinked group ids, or None if
        the user was no RT head."""
        async with self._transaction() as db:
            changed = await db.write(
                "DELETE FROM roles WHERE user_id = ? AND role = 'rt'", (user_id,)
            )
            if not changed:
                return None
            await audit(db, now, actor, "revoke-rt", str(user_id), None)
            rows = await db.all(
                "UPDATE groups SET rt_user_id = NULL, area = NULL WHERE rt_user_id = ?"
                " RETURNING chat_id",
                (user_id,),
            )
            groups = sorted(int(r[0]) for r in rows)
            for chat_id in groups:
                await audit(db, now, actor, "unlink-group", str(chat_id), str(user_id))
            await cancel_pending(
                db,
                "cause = 'announcement' AND content IN"
                " (SELECT 'announcement:' || id FROM announcements WHERE author = ?)",
                [user_id],
                None,
            )
            return groups

    async def open_invitations(self, now: datetime) -> list[Invitation]:
        """RT invitations neither used nor expired, oldest first."""
        rows = await self._all(
            "SELECT code_hash, area, expires_at FROM rt_invitations"
            " WHERE used_by IS NULL AND expires_at > ? ORDER BY created_at",
            (now.isoformat(),),
        )
        return [Invitation(r[0][:INVITATION_REF], r[1], datetime.fromisoformat(r[2])) for r in rows]

    async def withdraw_invitation(self, ref: str, actor: int, now: datetime) -> str:
        """Withdraw an unused invitation (its link stops working); audited. "withdrawn",
        "used" (remove the RT head instead) or "unknown"."""
        async with self._transaction() as db:
            rows = list(
                await db.all(
                    "SELECT code_hash, area, used_by FROM rt_invitations"
                    " WHERE substr(code_hash, 1, CAST(? AS INTEGER)) = ?",
                    (INVITATION_REF, ref),
                )
            )
            if len(rows) != 1 or len(ref) != INVITATION_REF:
                return "unknown"
            code_hash, area, used_by = rows[0]
            if used_by is not None:
                return "used"
            await db.write("DELETE FROM rt_invitations WHERE code_hash = ?", (code_hash,))
            await audit(db, now, actor, "withdraw-rt-invite", ref, area)
            return "withdrawn"


async def audit(
    db: Sql,
    now: datetime,
    actor: int,
    action: str,
    target: str,
    detail: str | None,
) -> None:
    await db.write(
        "INSERT INTO role_audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        (now.isoformat(), actor, action, target, detail),
    )
