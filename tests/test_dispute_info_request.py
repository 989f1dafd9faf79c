"""The dispute team asks a party for more information and the dispute waits (issue 16):
the question reaches exactly the asked party, who alone can answer it; the team cannot
decide while it is open; a reminder comes before the deadline and the team hears when
it lapses; a withdrawn question frees the decision."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FrozenClock
from bot.flows import tokens
from bot.handlers.terminal import terminal_user_id
from bot.services import disputes
from bot.services.disputes import DisputeRefused
from policy import Money
from storage.models import User
from tests.conftest import ChatDriver
from tests.dispute_helpers import event_kinds, make_order, only_dispute, submit_late_claim, tick
from tests.test_dispute_access import press_as, written

QUESTION = "Please send the bill of lading with the date the container left the port of Ningbo."
ANSWER = "The container left Ningbo on the contracted day; the bill of lading is attached."
REASON = (
    "The bill of lading shows loading 5 days after the contracted date; the delay is the "
    "supplier's, refund of the whole order."
)


async def escalated(app: App, chat: ChatDriver, clock: FrozenClock) -> int:
    """Alice's late-delivery claim, rejected by Sam, escalated to tess's queue."""
    order_id = await make_order(app, clock.now(), amount="5000", limit="20000")
    await chat.say("/as team tess")
    await chat.say("/start")
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    await submit_late_claim(chat, order_id)
    dispute = await only_dispute(app)
    await chat.say("/as supplier sam")
    await chat.say(f"/respond {dispute.id}")
    await chat.press("Reject")
    await chat.say("Shipped on the contracted day; the carrier held it 12 days at the port.")
    await chat.press("I have no files")
    await chat.press("Send the answer")
    await chat.say("/as buyer alice")
    await chat.say(f"/resolve {dispute.id}")
    await chat.press("Escalate")
    await chat.press("Yes, escalate")
    await chat.press("Skip")
    return dispute.id


async def ask_supplier(chat: ChatDriver, dispute_id: int) -> str:
    await chat.say("/as team tess")
    shown = await chat.say(f"/ask {dispute_id}")
    assert "Whom do you ask? They have 3 days to answer" in shown
    await chat.press("Ask the supplier")
    assert "at least 30 characters" in await chat.say("more info please")
    assert "does not say what the party should send" in await chat.say(
        "Is the quality good and the supplier nice, as you say it is?"
    )
    shown = await chat.say(QUESTION)
    assert "To: Supplier" in shown and "Answer due in 3 days" in shown
    return await chat.press("Send the question")


async def test_the_asked_supplier_answers_with_a_file_and_the_team_then_decides(
    app: App, chat: ChatDriver, clock: FrozenClock, tmp_path: Path
) -> None:
    dispute_id = await escalated(app, chat, clock)
    sent = await ask_supplier(chat, dispute_id)
    assert "sent to the supplier" in sent and "message for sam" in sent
    assert "The dispute team asks you about dispute #1" in sent and QUESTION in sent

    # While the question is open the queue says so, and the file is shown but no
    # decision can be made.
    await chat.say("/queue")
    [listed] = chat.buttons()
    assert listed.startswith(f"#{dispute_id} · escalated")
    assert "· waits for the supplier until" in listed
    shown = await chat.say(f"/queue {dispute_id}")
    assert "The dispute team asked the supplier on" in shown
    assert "waits for the supplier's answer" in shown and "/ask 1" in shown
    assert "Refund decided" not in shown
    team = await app_user(app, "tess")
    async with app.sessions() as session, session.begin():
        tess = await session.get(User, team)
        assert tess is not None
        try:
            await disputes.decide(
                session,
                tess,
                dispute_id,
                is_team=True,
                amount=Money.of("100", "USD"),
                reason=REASON,
                now=clock.now(),
            )
        except DisputeRefused as exc:
            assert exc.code == "waiting_for_info"
        else:
            raise AssertionError("decided while the question was open")

    # Sam answers from the push's button: text, a file, review, send.
    await chat.say("/as supplier sam")
    shown = await chat.press("Answer the dispute team")
    assert QUESTION in shown and "Your answer" in shown
    assert "at least 20 characters" in await chat.say("see file")
    await chat.say(ANSWER)
    bill = tmp_path / "bill-of-lading.pdf"
    bill.write_bytes(b"%PDF-1.4 bill of lading")
    assert "1 file received" in await chat.say(f"/file {bill}")
    shown = await chat.press("Done")
    assert ANSWER in shown and "1 file attached" in shown
    shown = await chat.press("Send the answer")
    assert "with the dispute team" in shown and "message for tess" in shown
    assert "The supplier answered the team's question on dispute #1" in shown

    # Tess reads the answer and its file in the file, then decides with a reason.
    await chat.say("/as team tess")
    shown = await chat.say(f"/queue {dispute_id}")
    assert "Answered on" in shown and ANSWER in shown
    assert "Answer to the dispute team (supplier): bill-of-lading.pdf" in shown
    await chat.press("$5,000.00")
    await chat.say(REASON)
    shown = await chat.press("Record the decision")
    assert "message for alice" in shown and "message for sam" in shown
    kinds = await event_kinds(app, dispute_id)
    assert ("team", "info_requested") in kinds and ("supplier", "info_answered") in kinds
    history = await chat.say(f"/history {dispute_id}")
    assert "asked the supplier for information" in history
    assert f"answered the dispute team: “{ANSWER}” (1 file)" in history


async def app_user(app: App, name: str) -> int:
    from sqlalchemy import select

    async with app.sessions() as session:
        found = await session.scalar(
            select(User.id).where(User.telegram_id == terminal_user_id(name))
        )
        assert found is not None
        return int(found)


async def test_only_the_asked_party_can_answer(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    dispute_id = await escalated(app, chat, clock)
    await ask_supplier(chat, dispute_id)
    await chat.say("/as supplier sam")
    sams_button = chat.button_data("Answer the dispute team")
    await chat.say("/as buyer bob")  # a stranger to the dispute
    before = await written(app)

    # Sam's own button pressed by the buyer or a stranger: its signature is Sam's.
    for who in ("alice", "bob"):
        notice, replies = await press_as(app, who, sams_button)
        assert notice == "This button has expired." and replies == ""
    # A button signed for them (the bot could have made one): the server checks the
    # stored question and refuses, in words.
    own = tokens.shortcut_token(app.secret, terminal_user_id("alice"), "inform", str(dispute_id))
    _notice, replies = await press_as(app, "alice", own)
    assert "asked the supplier, not you" in replies
    own = tokens.shortcut_token(app.secret, terminal_user_id("bob"), "inform", str(dispute_id))
    _notice, replies = await press_as(app, "bob", own)
    assert "No question of the dispute team on dispute #1 waits for your answer" in replies
    # Typed, and for a dispute that does not exist: the same refusal.
    assert "waits for your answer" in await chat.say("/inform 999")
    await chat.say("/as buyer alice")
    assert "asked the supplier, not you" in await chat.say(f"/inform {dispute_id}")
    assert await written(app) == before


async def test_reminder_then_lapse_tells_the_team_and_frees_the_decision(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    dispute_id = await escalated(app, chat, clock)
    await ask_supplier(chat, dispute_id)

    printed = await tick(chat, clock, timedelta(days=2, hours=1))  # a day before the end
    assert "message for sam" in printed and "Reminder: the dispute team waits" in printed
    printed = await tick(chat, clock, timedelta(days=1))
    assert "message for tess" in printed
    assert "The supplier did not answer the team's question on dispute #1" in printed
    assert ("system", "info_lapsed") in await event_kinds(app, dispute_id)

    await chat.say("/as supplier sam")
    assert "The time to answer this question" in await chat.say(f"/inform {dispute_id}")
    await chat.say("/as team tess")
    await chat.say("/queue")
    [listed] = chat.buttons()
    assert listed.startswith(f"#{dispute_id} · escalated") and "waits" not in listed
    shown = await chat.say(f"/queue {dispute_id}")
    assert "Not answered by" in shown and "Refund decided" in shown


async def test_a_withdrawn_question_frees_the_decision_and_tells_the_party(
    app: App, chat: ChatDriver, clock: FrozenClock
) -> None:
    dispute_id = await escalated(app, chat, clock)
    await ask_supplier(chat, dispute_id)
    shown = await chat.say(f"/ask {dispute_id}")
    assert "Withdraw the question to decide without the answer?" in shown
    shown = await chat.press("Withdraw the question")
    assert "withdrawn" in shown and "message for sam" in shown
    assert "you need not answer it" in shown
    shown = await chat.say(f"/queue {dispute_id}")
    assert "The team withdrew the question." in shown and "Refund decided" in shown
    # Nothing is reminded or lapses afterwards.
    printed = await tick(chat, clock, timedelta(days=4))
    assert "did not answer" not in printed and "Reminder" not in printed
