"""Every descriptive answer of /order is checked, not only the figures (issue 17): a
design "x", a material "good quality", a customisation "thread red", a carton board
"brown box" and an inspector "me myself" are each refused with the reason and a precise
example, the same question is asked again, and the precise answer is taken."""

from __future__ import annotations

from bot.app import App
from tests.buyer_helpers import (
    SPEC_ANSWERS,
    answer,
    files_in_tmp,  # noqa: F401  (fixture)
    get_order,
)
from tests.conftest import ChatDriver


async def test_each_vague_description_is_refused_with_an_example(
    chat: ChatDriver, app: App
) -> None:
    await chat.say("/find scarf 20000 USD")
    await chat.press("Hangzhou")

    refused = await chat.say("x")
    assert "“x” does not identify a design" in refused
    assert "For example: model SC-180 silk scarf" in refused and "Step 1 of 17" in refused
    assert "Step 2 of 17" in await chat.say("Model SC-2041 long silk scarf")
    await chat.say("PANTONE 18-1663 TCX")

    refused = await chat.say("good quality")
    assert "“good quality” is not a material" in refused
    assert "each material with its share in percent" in refused
    assert "For example: 60% cotton, 40% polyester" in refused and "Step 3 of 17" in refused
    assert "give the share of good quality" not in refused
    await chat.say("100% silk")

    for line in SPEC_ANSWERS[3:8]:
        await answer(chat, line)
    refused = await chat.say("brown box")
    assert "“brown box” does not fix the carton board" in refused
    assert "For example: 5-ply corrugated, BC flute, 44 ECT" in refused
    for line in SPEC_ANSWERS[8:13]:
        await answer(chat, line)

    refused = await chat.say("thread red")
    assert "“red” names a colour but not a shade" in refused and "Pantone code" in refused
    assert "For example: embroidered logo 5 x 3 cm" in refused and "Step 14 of 17" in refused
    await chat.say("embroidered logo 5 x 3 cm, bottom-left corner, thread PANTONE 186 C")

    await chat.press("before loading")
    await chat.press("Other")
    refused = await chat.say("me myself")
    assert "“me myself” is not an independent inspection company" in refused
    assert "For example: Bureau Veritas" in refused and "Step 16 of 17" in refused
    refused = await chat.say("whatever")
    assert "is not the name of an inspection company" in refused
    await chat.say("Hong Kong Inspection Services Ltd")
    review = await chat.press("Post-delivery")
    assert "by Hong Kong Inspection Services Ltd" in review
    assert "Customisation: embroidered logo 5 x 3 cm" in review

    order = await get_order(app, 1)
    assert order.spec["inspection"]["provider_name"] == "Hong Kong Inspection Services Ltd"
    assert order.spec["design"]["display"] == "Model SC-2041 long silk scarf"
