"""aiogram's response models outlive a garbage collection (``KeepResponseModels``).

Without a strong reference, pydantic's weak cache lets ``Response[Message]`` be freed by
the collector and rebuilt on the next Bot API call, ~90 ms on the event loop each time.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

from aiogram.methods import AnswerCallbackQuery, Response, SendMessage

from bot.handlers.aiogram_runtime.middlewares import KeepResponseModels


async def answered(bot: Any, method: Any) -> Response[Any]:
    return Response[method.__returning__](ok=True, result=True)  # type: ignore[name-defined]


def survives_a_collection(returning: Any) -> bool:
    model = weakref.ref(Response[returning])
    gc.collect()
    return model() is not None


def test_a_response_model_is_kept_once_a_method_was_called() -> None:
    keep = KeepResponseModels()
    method = AnswerCallbackQuery(callback_query_id="1")
    asyncio.run(keep(answered, None, method))  # type: ignore[arg-type]
    assert survives_a_collection(method.__returning__)
    gc.collect()
    assert Response[method.__returning__] is keep._models[method.__returning__]


def test_without_it_pydantic_lets_the_model_go() -> None:
    # The reason the middleware exists: if pydantic ever keeps these itself, this fails
    # and the middleware can go.
    # A return type no bot in this process asks for, so no middleware here holds it.
    assert not survives_a_collection(tuple[int, str, SendMessage])
