"""Runs flows: routes one incoming update to the user's current step and persists state.

The engine is called inside one database transaction per update (see ``bot.app``),
so a step's answer, the service calls it makes and the new conversation state commit
together or not at all: a crash never leaves half an answer behind.
"""

from __future__ import annotations

import copy
from typing import Any

from bot.flows import tokens
from bot.flows.base import (
    Answer,
    Command,
    Ctx,
    Flow,
    Goto,
    Invalid,
    Prompt,
    StartFlow,
    Stay,
)
from bot.flows.refusals import log_refusal
from bot.flows.replies import Button, Incoming, Outcome, Reply, esc
from bot.i18n import _
from storage.models import Conversation

RETURN_TO = "_return_to"  # flow-data key: after editing one answer, go back here


class Engine:
    def __init__(self, flows: dict[str, Flow], commands: dict[str, Command]) -> None:
        self.flows = flows
        self.commands = commands

    # -- entry point -------------------------------------------------------------

    async def handle(self, ctx: Ctx, incoming: Incoming) -> Outcome:
        conversation = await ctx.session.get(Conversation, ctx.user.id)
        if incoming.callback is not None:
            return await self._on_press(ctx, conversation, incoming.callback)
        text = (incoming.text or "").strip()
        if text.startswith("/"):
            return await self._on_command(ctx, conversation, text)
        if conversation is None:
            return Outcome([Reply(text=self._idle_text())])
        if incoming.unsupported is not None and incoming.attachment is None:
            reply = Reply(text=_("I can't use that here. Please answer with text or a button."))
            return Outcome([reply, *await self._show(ctx, conversation)])
        answer = Answer(text=incoming.text, attachment=incoming.attachment)
        return await self._answer(ctx, conversation, answer)

    async def resume(self, ctx: Ctx) -> list[Reply]:
        """The current step's question again (after a failed update was rolled back), or
        nothing when the user is in no flow."""
        conversation = await ctx.session.get(Conversation, ctx.user.id)
        if conversation is None or conversation.flow not in self.flows:
            return []
        return await self._show(ctx, conversation)

    # -- commands ----------------------------------------------------------------

    def parse_command(self, text: str) -> tuple[str, str]:
        head, _sep, arg = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return name, arg.strip()

    async def _on_command(self, ctx: Ctx, conversation: Conversation | None, text: str) -> Outcome:
        name, arg = self.parse_command(text)
        if name == "cancel":
            if conversation is None:
                return Outcome([Reply(text=_("Nothing to cancel."))])
            await self._end(ctx)
            return Outcome([Reply(text=_("Cancelled. Your saved records are unchanged."))])
        if name == "back":
            return await self._back(ctx, conversation)
        command = self.commands.get(name)
        if command is not None and not self._allowed(ctx, command):
            # Answered like a command that does not exist: the team's commands stay unseen.
            log_refusal(ctx, f"command /{command.name}", arg, suspicious=True)
            command = None
        if command is None:
            reply = Reply(
                text=_("Unknown command /{name}. Send /help for the list.").format(
                    name=esc(name[:32])
                )
            )
            extra = await self._show(ctx, conversation) if conversation else []
            return Outcome([reply, *extra])
        return await self.run_command(ctx, command, arg)

    def _allowed(self, ctx: Ctx, command: Command) -> bool:
        return "team" not in command.roles or len(command.roles) > 1 or ctx.is_team

    async def run_command(self, ctx: Ctx, command: Command, arg: str) -> Outcome:
        ctx.arg = arg
        if command.flow is not None:
            return await self.start_flow(ctx, command.flow, arg)
        assert command.run is not None
        try:
            result = await command.run(ctx)
        except Invalid as exc:
            return Outcome([Reply(text=exc.message)])
        return await self._finish_result(ctx, result)

    async def start_flow(self, ctx: Ctx, name: str, arg: str = "") -> Outcome:
        flow = self.flows[name]
        ctx.data = {}
        ctx.arg = arg
        try:
            if flow.start is not None:
                await flow.start(ctx)
        except Invalid as exc:
            return Outcome([*ctx.notes, Reply(text=exc.message)])
        first = flow.first_step(ctx)
        if first is None:
            return await self._complete(ctx, flow)
        conversation = await self._save(ctx, flow.name, first.name, history=[])
        return Outcome([*ctx.notes, *await self._show(ctx, conversation)])

    # -- answers -----------------------------------------------------------------

    async def _on_press(self, ctx: Ctx, conversation: Conversation | None, data: str) -> Outcome:
        press = tokens.parse(data)
        if isinstance(press, tokens.ShortcutPress):
            command = self.commands.get(press.command)
            if not tokens.shortcut_is_valid(ctx.app.secret, ctx.user.telegram_id, press):
                return self._expired(ctx, "shortcut not signed for this user", data)
            if (
                command is None
                or (command.flow is None and command.run is None)  # /cancel, /back: typed only
                or not self._allowed(ctx, command)
            ):
                return self._expired(ctx, "shortcut to a command not for this user", data)
            outcome = await self.run_command(ctx, command, press.arg)
            return outcome
        if (
            not isinstance(press, tokens.StepPress)
            or conversation is None
            or press.nonce != conversation.nonce
            or press.key not in conversation.choices
        ):
            return self._expired(ctx, "stale or foreign step token", data, suspicious=False)
        value = conversation.choices[press.key]
        return await self._answer(ctx, conversation, Answer(choice=value, pressed=True))

    def _expired(self, ctx: Ctx, why: str, data: str, *, suspicious: bool = True) -> Outcome:
        # A step token from an earlier screen is a slip (a double tap); a shortcut the bot
        # did not sign for this user, or for a command they may not run, is not.
        log_refusal(ctx, f"button ({why})", data, suspicious=suspicious)
        return Outcome(callback_notice=_("This button has expired."))

    async def _answer(self, ctx: Ctx, conversation: Conversation, answer: Answer) -> Outcome:
        flow = self.flows.get(conversation.flow)
        if flow is None:  # a flow removed in an upgrade: start clean rather than crash
            await self._end(ctx)
            return Outcome([Reply(text=self._idle_text())])
        ctx.data = copy.deepcopy(conversation.data)
        step = flow.step(conversation.step)
        try:
            result = await step.handle(ctx, answer)
        except Invalid as exc:
            return Outcome(
                [*ctx.notes, Reply(text=exc.message), *await self._show(ctx, conversation)]
            )
        if isinstance(result, StartFlow):
            return await self._finish_result(ctx, result)
        if isinstance(result, Stay):
            conversation.data = ctx.data
            return Outcome([*ctx.notes, *await self._show(ctx, conversation, replace=True)])
        history = [*conversation.history, step.name]
        if isinstance(result, Goto):
            if result.then_return:
                ctx.data[RETURN_TO] = step.name
            return await self._move(ctx, flow, result.step, history)
        ctx.data[step.name] = result
        return_to = ctx.data.pop(RETURN_TO, None)
        if return_to is not None:
            return await self._move(ctx, flow, return_to, history)
        following = flow.step_after(step.name, ctx)
        if following is None:
            return await self._complete(ctx, flow)
        return await self._move(ctx, flow, following.name, history)

    async def _move(self, ctx: Ctx, flow: Flow, step: str, history: list[str]) -> Outcome:
        conversation = await self._save(ctx, flow.name, step, history)
        return Outcome([*ctx.notes, *await self._show(ctx, conversation)])

    async def _back(self, ctx: Ctx, conversation: Conversation | None) -> Outcome:
        if conversation is None:
            return Outcome([Reply(text=_("There is no earlier step to go back to."))])
        if not conversation.history:
            reply = Reply(text=_("This is the first step. Send /cancel to stop."))
            return Outcome([reply, *await self._show(ctx, conversation)])
        ctx.data = copy.deepcopy(conversation.data)
        ctx.data.pop(RETURN_TO, None)
        *history, previous = conversation.history
        updated = await self._save(ctx, conversation.flow, previous, history)
        return Outcome(await self._show(ctx, updated))

    async def _complete(self, ctx: Ctx, flow: Flow) -> Outcome:
        try:
            result: Any = await flow.finish(ctx) if flow.finish is not None else []
        except Invalid as exc:  # refused at the last moment: keep the flow where it was
            conversation = await ctx.session.get(Conversation, ctx.user.id)
            replies = await self._show(ctx, conversation) if conversation else []
            return Outcome([*ctx.notes, Reply(text=exc.message), *replies])
        if isinstance(result, StartFlow):
            return await self._finish_result(ctx, result)
        await self._end(ctx)
        return Outcome([*ctx.notes, *result])

    async def _finish_result(self, ctx: Ctx, result: Any) -> Outcome:
        if isinstance(result, StartFlow):
            notes = [*ctx.notes, *result.replies]
            ctx.notes = []
            outcome = await self.start_flow(ctx, result.flow, result.arg)
            outcome.replies[:0] = notes
            return outcome
        return Outcome([*ctx.notes, *result])

    # -- state -------------------------------------------------------------------

    async def _save(self, ctx: Ctx, flow: str, step: str, history: list[str]) -> Conversation:
        conversation = await ctx.session.get(Conversation, ctx.user.id)
        if conversation is None:
            conversation = Conversation(user_id=ctx.user.id)
            ctx.session.add(conversation)
        conversation.flow = flow
        conversation.step = step
        conversation.history = history
        conversation.data = ctx.data
        conversation.choices = {}
        conversation.nonce = tokens.new_nonce()
        conversation.updated_at = ctx.now
        return conversation

    async def _end(self, ctx: Ctx) -> None:
        conversation = await ctx.session.get(Conversation, ctx.user.id)
        if conversation is not None:
            await ctx.session.delete(conversation)
            await ctx.session.flush()

    async def _show(
        self, ctx: Ctx, conversation: Conversation, *, replace: bool = False
    ) -> list[Reply]:
        """Render the current step, drawing a fresh nonce so older buttons expire."""
        flow = self.flows[conversation.flow]
        step = flow.step(conversation.step)
        ctx.data = copy.deepcopy(conversation.data)
        prompt: Prompt = await step.prompt(ctx)
        conversation.nonce = tokens.new_nonce()
        choices: dict[str, Any] = {}
        rows: list[tuple[Button, ...]] = []
        for row in prompt.choices:
            buttons = []
            for choice in row:
                key = format(len(choices), "x")
                choices[key] = choice.value
                buttons.append(
                    Button(str(choice.label), tokens.step_token(conversation.nonce, key))
                )
            rows.append(tuple(buttons))
        conversation.choices = choices
        conversation.updated_at = ctx.now
        progress = flow.progress(step.name, ctx) if flow.show_progress else None
        text = prompt.text
        if progress is not None:
            header = _("Step {n} of {m}").format(n=progress[0], m=progress[1])
            text = f"<i>{header}</i>\n{text}"
        return [
            Reply(
                text=text,
                buttons=tuple(rows),
                document=prompt.document,
                replace=replace,
                progress=progress,
            )
        ]

    def _idle_text(self) -> str:
        return _("Send /help to see what I can do, or /find to look for a covered supplier.")
