"""`tradeguard reminders list`: what will be pushed, to whom, when."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import prepare_database
from bot.config import Settings
from storage.db import session_factory
from storage.models import Reminder, ReminderStatus, User


async def print_pending(settings: Settings, limit: int = 200) -> int:
    db = await prepare_database(settings)
    try:
        async with session_factory(db)() as session:
            rows = (
                await session.execute(
                    select(Reminder, User)
                    .join(User, User.id == Reminder.recipient_id)
                    .where(Reminder.status == ReminderStatus.PENDING)
                    .order_by(Reminder.due_at, Reminder.id)
                    .limit(limit)
                )
            ).all()
    finally:
        await db.dispose()
    if not rows:
        print("no pending reminders")
        return 0
    print(f"{'due (UTC)':<17} {'kind':<22} {'recipient':<24} subject  attempts")
    for reminder, user in rows:
        who = f"{user.display_name or '?'} ({user.telegram_id})"[:24]
        subject = f"{reminder.subject_type or '-'} {reminder.subject_id or ''}".strip()
        print(
            f"{reminder.due_at:%Y-%m-%d %H:%M} {reminder.kind:<22} {who:<24} "
            f"{subject:<8} {reminder.attempts}"
        )
    return 0
