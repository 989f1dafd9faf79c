"""Evidence files and dispute messages reach the buyer, the supplier the claim is against
and the dispute team, and nobody else: a stranger tries every command with every number
that matters, every deep link, every button the parties were given and every button the
bot could sign for the stranger, and gets no file and no word of the dispute."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.clock import FrozenClock
from bot.flows import tokens
from bot.flows.common import DEEP_LINKS
from bot.flows.registry import all_commands
from bot.flows.replies import Incoming, Outcome, Sender
from bot.handlers.terminal import terminal_user_id
from storage.models import Dispute, DisputeEvent, Evidence, Reminder
from tests.conftest import ChatDriver
from tests.dispute_helpers import count, make_order, only_dispute

# What only the parties and the team may ever see: the buyer's words, the supplier's
# explanation, the buyer's note to the team, and the two files' names.
CLAIM_WORDS = "Delivery was late by three weeks, ref ZEBRA-77"
EXPLANATION = "Shipped on time, see bill of lading KANGAROO-55"
NOTE = "Please look at the port records OCELOT-31"
SECRETS = ("ZEBRA-77", "KANGAROO-55", "OCELOT-31", "po-zebra.pdf", "bl-kangaroo.pdf")


def a_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    # Real first bytes: evidence is judged by what a file is, not by its name.
    magic = {"pdf": b"%PDF-1.4\n", "jpg": b"\xff\xd8\xff\xe0", "png": b"\x89PNG\r\n\x1a\n"}
    path.write_bytes(magic.get(name.rsplit(".", 1)[-1], b"") + f"contents of {name}".encode())
    return path


async def claim_with_a_file(chat: ChatDriver, order_id: int, upload: Path) -> str:
    """Late delivery in the buyer's own words, with the purchase order as a file."""
    await chat.say(f"/dispute {order_id}")
    await chat.press("I have")
    await chat.say(CLAIM_WORDS)
    shown = await chat.press("The record is right")
    assert "The documents the dispute team asks for" in shown
    assert "Received: po-zebra.pdf" in await chat.say(f"/file {upload}")
    shown = await chat.press("Next")
    while "How much refund" not in shown:
        shown = await chat.press("I don't have it")
    await chat.press("The whole order")
    return await chat.press("Submit")


async def escalated_dispute(app: App, chat: ChatDriver, clock: FrozenClock, tmp_path: Path) -> int:
    """Alice claims with a file, Sam rejects with a counter-file, Alice escalates."""
    order_id = await make_order(app, clock.now())
    await chat.say("/as team tess")
    await chat.say("/as supplier sam")
    await chat.say("/as buyer alice")
    assert "is submitted" in await claim_with_a_file(
        chat, order_id, a_file(tmp_path, "po-zebra.pdf")
    )
    dispute = await only_dispute(app)

    await chat.say("/as supplier sam")
    shown = await chat.say(f"/respond {dispute.id}")
    assert CLAIM_WORDS in shown and "file attached: local-" in shown  # the supplier sees it
    await chat.press("Reject the claim")
    await chat.say(EXPLANATION)
    await chat.say(f"/file {a_file(tmp_path, 'bl-kangaroo.pdf')}")
    await chat.press("Done")
    assert "on its way to the buyer" in await chat.press("Send the answer")

    await chat.say("/as buyer alice")
    await chat.say(f"/resolve {dispute.id}")
    await chat.press("Escalate to the dispute team")
    await chat.press("Yes, escalate")
    await chat.say(NOTE)
    return dispute.id


def files_in(outcome: Outcome) -> list[str]:
    return [reply.file_id for reply in outcome.replies if reply.file_id is not None]


def text_of(outcome: Outcome) -> str:
    return "\n".join([reply.text for reply in outcome.replies] + [outcome.callback_notice or ""])


class Stranger:
    """Someone with no part in the dispute, talking to the app as a transport would."""

    def __init__(self, app: App, name: str) -> None:
        self.app = app
        self.name = name
        self.id = terminal_user_id(name)
        self.outcomes: list[Outcome] = []

    async def send(self, *, text: str | None = None, callback: str | None = None) -> Outcome:
        incoming = Incoming(sender=Sender(self.id, self.name), text=text, callback=callback)
        outcome = await self.app.handle(incoming)
        self.outcomes.append(outcome)
        return outcome

    async def try_everything(self, numbers: list[str], invite: str) -> int:
        """Every command with every number, each button it then shows; deep links; and
        shortcut buttons signed for this stranger. Returns how many attempts were made."""
        attempts = 0
        for name in all_commands():
            for arg in ["", *numbers]:
                outcome = await self.send(text=f"/{name} {arg}".strip())
                attempts += 1
                for row in (button for reply in outcome.replies for button in reply.buttons):
                    for button in row:
                        await self.send(callback=button.data)
                        attempts += 1
                await self.send(text="/cancel")
                for number in numbers:
                    own = tokens.shortcut_token(self.app.secret, self.id, name, number.lstrip("#"))
                    await self.send(callback=own)
                    attempts += 1
        for prefix in [*DEEP_LINKS, "dispute", "order", "file"]:
            for token in (invite, "x", *numbers):
                await self.send(text=f"/start {prefix}_{token}")
                attempts += 1
        return attempts


async def written(app: App) -> tuple[int, ...]:
    return tuple([await count(app, model) for model in (Dispute, DisputeEvent, Evidence, Reminder)])


async def test_a_stranger_gets_no_evidence_nor_message_by_any_command_button_or_link(
    app: App, chat: ChatDriver, clock: FrozenClock, tmp_path: Path
) -> None:
    dispute_id = await escalated_dispute(app, chat, clock, tmp_path)
    async with app.sessions() as session:
        dispute = await session.get(Dispute, dispute_id)
        assert dispute is not None
        order_number, invite = str(dispute.order_id), dispute.invite_token or "none"

    # The parties and the team do see the files and the words (so the checks below can fail).
    team_view = await chat.say("/as team tess") + await chat.say(f"/queue {dispute_id}")
    assert team_view.count("file attached: local-") == 2
    assert all(secret in team_view for secret in SECRETS)
    team_buttons = [button.data for button in chat.chat.actor.buttons]
    assert team_buttons
    await chat.say("/as buyer alice")
    assert EXPLANATION in await chat.say(f"/history {dispute_id}")

    # Buttons the parties were given, pressed by someone else.
    party_buttons = list(team_buttons)
    for party in ("alice", "sam", "tess"):
        for name in all_commands():
            for arg in (str(dispute_id), order_number):
                party_id = terminal_user_id(party)
                party_buttons.append(tokens.shortcut_token(app.secret, party_id, name, arg))

    before = await written(app)
    await make_order(app, clock.now(), buyer="bob", supplier="olga", supplier_name="Olga Co")
    numbers = [str(dispute_id), f"#{dispute_id}", order_number, "0", "2", "99999999999"]
    attempts = 0
    for name in ("bob", "olga", "mallory"):
        stranger = Stranger(app, name)
        attempts += await stranger.try_everything(numbers, invite)
        for data in party_buttons:
            outcome = await stranger.send(callback=data)
            attempts += 1
            assert outcome.replies == [] and outcome.callback_notice == "This button has expired."
        for outcome in stranger.outcomes:
            assert files_in(outcome) == [], (name, text_of(outcome))
            said = text_of(outcome)
            assert not [s for s in SECRETS if s in said], (name, said)
            assert f"Dispute #{dispute_id}" not in said and "Timeline" not in said, (name, said)
    assert attempts > 1000
    # Strangers' attempts wrote nothing about the dispute (their own orders aside).
    assert (await written(app))[:3] == before[:3]

    # The team's step buttons still work for the team: nobody else used them.
    await chat.say("/as team tess")
    assert "Step" in await chat.press(chat.buttons()[0])
