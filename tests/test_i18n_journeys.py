"""A search and a dispute lived in Brazilian Portuguese and in Simplified Chinese,
through the real frameworks against the Bot API emulator.

The buyer speaks one language and the supplier the other: each reads prompts, amounts
and dates in their own (US$ 20.000,00 and "5 de nov. de 2026" in pt-BR; US$20,000.00
and "2026年11月5日" in zh-Hans), while what the other typed stays as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from telegram_helpers import Person, bot_settings, running

from bot.app import App
from bot.clock import FrozenClock
from bot.config import Settings
from emulator import BotAPIEmulator
from storage.models import (
    Dispute,
    DisputeStatus,
    Order,
    OrderStatus,
    Supplier,
    User,
    Verification,
)

pytestmark = pytest.mark.timeout(90)


@dataclass(frozen=True)
class Speaker:
    """What a person speaking one language sees and presses (written out by hand, so a
    missing translation or a wrong number format fails here)."""

    telegram_code: str
    locale: str
    order_20k: str
    covers_half: str
    covers_little: str
    told_them: str
    late_delivery: str
    record_right: str
    days_late: str
    no_document: str
    refund_typed: str
    refund_shown: str
    submit: str
    submitted: str
    claim_heading: str
    claim_amount: str
    claim_due: str
    answer_claim: str
    offer_part: str
    offer_typed: str
    no_explanation: str
    no_files: str
    send_answer: str
    answered_heading: str
    offer_shown: str


PORTUGUESE = Speaker(
    telegram_code="pt-br",
    locale="pt_BR",
    order_20k="pedido de US$\xa020.000,00",
    covers_half="cobre US$\xa010.000,00 do seu pedido (50%)",
    covers_little="(7,5%)",
    told_them="Já avisei; abrir a disputa",
    late_delivery="Atraso na entrega",
    record_right="O registro está correto",
    days_late="17 dias de atraso",
    no_document="Não tenho",
    refund_typed="2.500,00",  # the Brazilian way: dot for thousands, comma for cents
    refund_shown="Reembolso pedido: US$\xa02.500,00",
    submit="Enviar a disputa",
    submitted="foi enviada",
    claim_heading="disputa #",
    claim_amount="US$\xa02.500,00",
    claim_due="30 de nov. de 2026",
    answer_claim="Responder à reclamação",
    offer_part="Oferecer reembolso parcial",
    offer_typed="1.000",
    no_explanation="Sem explicação",
    no_files="Não tenho arquivos",
    send_answer="Enviar a resposta",
    answered_heading="respondeu à disputa #",
    offer_shown="US$\xa01.000,00",
)

CHINESE = Speaker(
    telegram_code="zh-hans",
    locale="zh_Hans",
    order_20k="订单金额 US$20,000.00",
    covers_half="可保障您订单中的 US$10,000.00（50%）",
    covers_little="（7.5%）",
    told_them="已联系，发起纠纷",
    late_delivery="延迟交货",
    record_right="记录正确",
    days_late="延迟 17 天",
    no_document="我没有这项材料",
    refund_typed="2500",
    refund_shown="申请退款：US$2,500.00",
    submit="提交纠纷",
    submitted="已提交",
    claim_heading="纠纷 #",
    claim_amount="US$2,500.00",
    claim_due="2026年11月30日",
    answer_claim="答复索赔",
    offer_part="提出部分退款",
    offer_typed="1000",
    no_explanation="不作说明",
    no_files="我没有文件",
    send_answer="发送答复",
    answered_heading="答复了纠纷 #",
    offer_shown="US$1,000.00",
)

JOURNEYS = {
    "pt-BR buyer, zh supplier, aiogram": (PORTUGUESE, CHINESE, "aiogram"),
    "zh buyer, pt-BR supplier, python-telegram-bot": (CHINESE, PORTUGUESE, "ptb"),
}


@pytest.fixture(params=list(JOURNEYS))
def journey(request: pytest.FixtureRequest) -> tuple[Speaker, Speaker, str]:
    return JOURNEYS[str(request.param)]


@pytest.fixture
def settings(
    database_url: str, emu: BotAPIEmulator, journey: tuple[Speaker, Speaker, str]
) -> Settings:
    return bot_settings(database_url, emu, journey[2])


async def delivered_late(app: App, buyer_tg: int, supplier_tg: int) -> int:
    """A paid order delivered 17 days after the agreed date, from a supplier who chats
    with the bot; returns its id."""
    now = app.clock.now()
    async with app.sessions() as session, session.begin():
        buyer = await session.scalar(select(User).where(User.telegram_id == buyer_tg))
        assert buyer is not None
        supplier = Supplier(
            name="Lotus Silk Works",
            country="CN",
            products="scarf",
            assurance_limit=Decimal("10000"),
            currency="USD",
            verification=Verification.GOLD,
            telegram_id=supplier_tg,
            created_at=now,
            updated_at=now,
        )
        session.add(supplier)
        await session.flush()
        order = Order(
            buyer_id=buyer.id,
            supplier_id=supplier.id,
            status=OrderStatus.COMPLETE,
            amount=Decimal("5000"),
            currency="USD",
            shipping_mode="sea",
            delivery_deadline=now - timedelta(days=20),
            coverage_type="post_delivery",
            confirmed_at=now - timedelta(days=60),
            paid_at=now - timedelta(days=59),
            receipt_confirmed_at=now - timedelta(days=3),
            created_at=now - timedelta(days=60),
            updated_at=now,
        )
        session.add(order)
        await session.flush()
        return order.id


async def test_search_and_dispute_in_each_persons_language(
    app: App, emu: BotAPIEmulator, clock: FrozenClock, journey: tuple[Speaker, Speaker, str]
) -> None:
    speaks, supplier_speaks, _runtime = journey
    async with running(app, "polling"):
        buyer = Person(emu, 6001, "Buyer", language=speaks.telegram_code)
        supplier = Person(emu, 6002, "Supplier", language=supplier_speaks.telegram_code)
        await buyer.say("/start")
        await supplier.say("/start")

        # The search: coverage in the buyer's number format.
        await emu.send_text(buyer.user, "/find scarf 20000 USD")
        found = (await buyer.wait_for("%"))["text"]
        assert speaks.order_20k in found
        assert speaks.covers_half in found  # Hangzhou Silkway's $10,000 limit
        assert speaks.covers_little in found  # Yiwu Little Star's $1,500 limit

        # The dispute, step by step, in the buyer's language.
        order_id = await delivered_late(app, buyer.id, supplier.id)
        shown = await buyer.say("/dispute")
        await buyer.press(shown, buyer.labels(shown)[0])  # the only order
        shown = await buyer.next()
        for label in (speaks.told_them, speaks.late_delivery):
            await buyer.press(shown, label)
            shown = await buyer.next()
        # The record's facts, in the buyer's language, lateness computed.
        assert speaks.days_late in shown["text"]
        await buyer.press(shown, speaks.record_right)
        shown = await buyer.next()
        while speaks.no_document in buyer.labels(shown):
            await buyer.press(shown, speaks.no_document)
            shown = await buyer.next()
        review = await buyer.say(speaks.refund_typed)
        assert speaks.days_late in review["text"]
        assert speaks.refund_shown in review["text"]
        await buyer.press(review, speaks.submit)
        done = await buyer.next()
        assert speaks.submitted in done["text"]

        # The supplier reads the claim in their own language and offers part.
        claim = await supplier.wait_for(supplier_speaks.claim_heading)
        assert supplier_speaks.claim_amount in claim["text"]
        assert supplier_speaks.claim_due in claim["text"]
        await supplier.press(claim, supplier_speaks.answer_claim)
        summary = await supplier.next()  # the claim as the buyer filed it, then the question
        assert supplier_speaks.claim_amount in summary["text"]
        shown = await supplier.next()
        await supplier.press(shown, supplier_speaks.offer_part)
        await supplier.next()
        shown = await supplier.say(supplier_speaks.offer_typed)
        for label in (supplier_speaks.no_explanation, supplier_speaks.no_files):
            await supplier.press(shown, label)
            shown = await supplier.next()
        await supplier.press(shown, supplier_speaks.send_answer)
        await supplier.next()

        # Back to the buyer, in the buyer's language and number format.
        answered = await buyer.wait_for(speaks.answered_heading)
        assert speaks.offer_shown in answered["text"]
        assert "Lotus Silk Works" in answered["text"]  # names stay as written

    async with app.sessions() as session:
        dispute = await session.scalar(select(Dispute).where(Dispute.order_id == order_id))
    assert dispute is not None
    assert dispute.status == DisputeStatus.SUPPLIER_RESPONDED
    assert (dispute.requested_amount, dispute.supplier_offer) == (Decimal("2500"), Decimal("1000"))
