"""The emulator's webhook as the scale-out tests use it: one chat's updates in order by
default or several in flight at once, an update delivered again with the same id, and a
wait for the bot's answer to one particular update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from emulator import BotAPIEmulator

pytestmark = pytest.mark.timeout(30)


class Receiver:
    """A webhook endpoint that holds each request until told to answer."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.bodies: list[dict] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.release = asyncio.Event()
        self.arrived = asyncio.Condition()

    async def handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        async with self.arrived:
            self.bodies.append(await request.json())
            self.arrived.notify_all()
        try:
            await self.release.wait()
        finally:
            self.in_flight -= 1
        return web.Response(status=self.status)

    async def wait_for(self, count: int) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.bodies) >= count), 5)


@asynccontextmanager
async def hooked(emu: BotAPIEmulator, receiver: Receiver) -> AsyncIterator[None]:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        status, _body = await emu._call_unparsed(
            "setWebhook", {"url": f"http://127.0.0.1:{runner.addresses[0][1]}/hook"}
        )
        assert status == 200
        yield
    finally:
        receiver.release.set()
        await runner.cleanup()


@pytest.mark.parametrize("chat_order", [True, False])
async def test_one_chats_updates_in_order_or_all_in_flight(chat_order: bool) -> None:
    async with BotAPIEmulator(webhook_chat_order=chat_order) as emu:
        receiver = Receiver()
        async with hooked(emu, receiver):
            alice = emu.user(1001, "Alice")
            for text in ("one", "two", "three"):
                await emu.send_text(alice, text)
            await receiver.wait_for(1)
            await asyncio.sleep(0.2)  # time enough for the others to go, were they allowed
            if chat_order:
                assert receiver.most_in_flight == 1  # the next waits for the answer
            else:
                await receiver.wait_for(3)
                assert receiver.most_in_flight == 3
            receiver.release.set()
            await receiver.wait_for(3)
            await emu.wait_delivered(emu.last_update_id)
            texts = [b["message"]["text"] for b in receiver.bodies]
            sent = ["one", "two", "three"]
            assert texts == sent if chat_order else sorted(texts) == sorted(sent)
            assert emu.stats["webhook_chat_overlaps"] == (0 if chat_order else 2)


async def test_an_update_delivered_again_has_the_same_id_and_body() -> None:
    async with BotAPIEmulator(webhook_chat_order=False) as emu:
        receiver = Receiver()
        receiver.release.set()
        async with hooked(emu, receiver):
            bob = emu.user(1002, "Bob")
            await emu.send_text(bob, "/help")
            update_id = emu.last_update_id
            assert emu.redeliver(update_id) == update_id
            await emu.wait_delivered(update_id, 2)
            assert emu.delivered(update_id) == 2
            assert receiver.bodies[0] == receiver.bodies[1]
            assert receiver.bodies[0]["update_id"] == update_id
            with pytest.raises(LookupError):
                emu.redeliver(update_id + 100)


async def test_waiting_for_a_delivery_the_webhook_gave_up_on_fails_at_once() -> None:
    async with BotAPIEmulator(webhook_retries=1, webhook_retry_delay=0.01) as emu:
        receiver = Receiver(status=500)
        receiver.release.set()
        async with hooked(emu, receiver):
            await emu.send_text(emu.user(1003, "Carol"), "hello")
            with pytest.raises(RuntimeError, match="gave up on update"):
                await emu.wait_delivered(emu.last_update_id, timeout=5)
            assert len(receiver.bodies) == 2  # the delivery and its one retry
            with pytest.raises(TimeoutError):
                await emu.wait_delivered(emu.last_update_id + 1, timeout=0.1)
