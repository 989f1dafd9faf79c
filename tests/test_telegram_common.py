"""The rules both runtimes share, on the frameworks' own objects parsed from the same JSON:
what a message means to the flows, what is refused, how replies are cut and shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import aiogram.types
import pytest
import telegram

from bot.config import load_settings
from bot.flows.replies import Attachment, Button, Document, Incoming, Outcome, Reply, Sender
from bot.handlers.telegram_common import (
    Press,
    Rejected,
    incoming_from_message,
    keyboard_of,
    plain_text,
    render_outcome,
    send_reply,
    split_html,
    upload_refusal,
)
from emulator import parse_html

USER = {
    "id": 42,
    "is_bot": False,
    "first_name": "Ana",
    "last_name": "Lima",
    "language_code": "pt-br",
}
CHAT = {"id": 42, "type": "private", "first_name": "Ana"}


def aiogram_message(content: dict) -> Any:
    return aiogram.types.Message.model_validate(
        {"message_id": 1, "date": 0, "chat": CHAT, "from": USER, **content}
    )


def ptb_message(content: dict) -> Any:
    return telegram.Message.de_json(
        {"message_id": 1, "date": 0, "chat": CHAT, "from": USER, **content}, None
    )


PARSERS = [pytest.param(aiogram_message, id="aiogram"), pytest.param(ptb_message, id="ptb")]
Parse = Callable[[dict], Any]


def file(file_id: str, size: int | None = 1000, **extra: Any) -> dict:
    return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": size, **extra}


@pytest.mark.parametrize("parse", PARSERS)
def test_text_and_deep_links_pass_through(parse: Parse) -> None:
    incoming = incoming_from_message(parse({"text": "/start inv_abc123"}))
    assert incoming == Incoming(sender=Sender(42, "Ana Lima", "pt-br"), text="/start inv_abc123")


@pytest.mark.parametrize("parse", PARSERS)
def test_the_largest_photo_size_is_taken(parse: Parse) -> None:
    photo = [
        file("small", 900, width=90, height=67),
        file("large", 90_000, width=1280, height=960),
        file("medium", 9_000, width=320, height=240),
    ]
    incoming = incoming_from_message(parse({"photo": photo, "caption": "the damaged box"}))
    assert incoming is not None and incoming.text == "the damaged box"
    assert incoming.attachment == Attachment(
        "large", "photo", "u-large", mime_type="image/jpeg", size=90_000
    )


@pytest.mark.parametrize("parse", PARSERS)
def test_documents_videos_and_gifs_are_files(parse: Parse) -> None:
    pdf = file("doc", 5000, file_name="invoice.pdf", mime_type="application/pdf")
    incoming = incoming_from_message(parse({"document": pdf, "caption": "/cancel"}))
    assert incoming is not None and incoming.attachment is not None
    assert incoming.attachment.kind == "document" and incoming.attachment.file_name == "invoice.pdf"
    assert incoming.text is None  # a command-like caption does not drop the file

    video = file("vid", 7000, width=1, height=1, duration=3, mime_type="video/mp4")
    assert incoming_from_message(parse({"video": video})).attachment.kind == "video"  # type: ignore[union-attr]
    gif = file("gif", 700, width=1, height=1, duration=1, mime_type="video/mp4")
    both = incoming_from_message(parse({"animation": gif, "document": file("gif", 700)}))
    assert both is not None and both.attachment is not None and both.attachment.kind == "video"


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (
            {
                "sticker": file(
                    "st", width=512, height=512, is_animated=False, is_video=False, type="regular"
                )
            },
            "sticker",
        ),
        ({"location": {"latitude": 1.0, "longitude": 2.0}}, "location"),
        ({"contact": {"phone_number": "+1", "first_name": "X"}}, "contact"),
        ({"voice": file("v", duration=2)}, "voice"),
    ],
)
def test_other_contents_are_unsupported(parse: Parse, content: dict, kind: str) -> None:
    incoming = incoming_from_message(parse(content))
    assert incoming is not None and incoming.unsupported == kind


@pytest.mark.parametrize("parse", PARSERS)
def test_service_messages_are_ignored(parse: Parse) -> None:
    assert (
        incoming_from_message(parse({"pinned_message": {"message_id": 3, "date": 0, "chat": CHAT}}))
        is None
    )


def test_an_oversized_upload_is_refused_in_the_users_language() -> None:
    settings = load_settings(max_upload_bytes=20 * 2**20)
    big = Attachment("f", size=25 * 2**20 + 2**19)
    refusal = upload_refusal(Incoming(Sender(1, "", "en"), attachment=big), settings)
    assert refusal is not None and "25.5 MB" in refusal and "20 MB" in refusal
    assert (
        upload_refusal(Incoming(Sender(1), attachment=Attachment("f", size=2**20)), settings)
        is None
    )
    assert upload_refusal(Incoming(Sender(1), attachment=Attachment("f")), settings) is None
    german = upload_refusal(Incoming(Sender(1, "", "de"), attachment=big), settings)
    assert german is not None and "25,5" in german  # numbers in the user's locale


def test_split_keeps_every_part_valid_and_under_the_limit() -> None:
    text = "<b>Title</b>\n" + "\n".join(
        f'<a href="https://e.x/{n}">item {n}</a> &lt;{n}&gt; <i>note' + (" word" * 12) + "</i>"
        for n in range(40)
    )
    parts = split_html(text, limit=300)
    assert len(parts) > 5
    visible = []
    for part in parts:
        assert len(part) <= 300
        plain, _entities = parse_html(part)  # the emulator's Telegram-strict parser
        visible.append(plain)
    assert "\n".join(visible) == plain_text(text)


def test_a_line_longer_than_the_limit_is_cut_at_spaces_then_anywhere() -> None:
    words = " ".join(["<b>bold&amp;</b>"] * 50)
    parts = split_html(words, limit=100)
    assert all(len(p) <= 100 for p in parts)
    assert "".join(plain_text(p) for p in parts).replace(" ", "") == "bold&" * 50
    blob = "x" * 250
    assert split_html(blob, limit=100) == ["x" * 100, "x" * 100, "x" * 50]
    assert split_html("short") == ["short"]


def test_button_labels_are_plain_text() -> None:
    reply = Reply(text="t", buttons=((Button("A &amp; B", "t:1:0"), Button("<b>C</b>", "t:1:1")),))
    assert keyboard_of(reply) == ((("A & B", "t:1:0"), ("C", "t:1:1")),)


class FakePort:
    """Records calls; refuses edits and HTML when told to."""

    def __init__(self, refuse_edit: str | None = None, refuse_html: bool = False) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.refuse_edit = refuse_edit
        self.refuse_html = refuse_html

    async def send_text(self, chat_id: int, text: str, keyboard: Any, *, html: bool = True) -> None:
        if html and self.refuse_html:
            raise Rejected("Bad Request: can't parse entities: unexpected end tag")
        self.calls.append(("send", text, keyboard, html))

    async def edit_text(self, chat_id: int, message_id: int, text: str, keyboard: Any) -> None:
        if self.refuse_edit:
            raise Rejected(self.refuse_edit)
        self.calls.append(("edit", message_id, text))

    async def answer_callback(self, query_id: str, text: str | None, show_alert: bool) -> None:
        self.calls.append(("answer", text, show_alert))


async def test_a_press_is_answered_first_and_one_reply_replaces_the_message() -> None:
    port = FakePort()
    outcome = Outcome([Reply("note"), Reply("page", replace=True), Reply("again", replace=True)])
    await render_outcome(port, 1, outcome, Press("q", 7))  # type: ignore[arg-type]
    assert port.calls == [
        ("answer", None, False),
        ("send", "note", None, True),
        ("edit", 7, "page"),
        ("send", "again", None, True),
    ]


async def test_an_expired_press_gets_an_alert_and_a_refused_edit_a_new_message() -> None:
    port = FakePort(refuse_edit="Bad Request: message can't be edited")
    await render_outcome(port, 1, Outcome(callback_notice="Expired."), Press("q", 7))  # type: ignore[arg-type]
    await render_outcome(
        port,
        1,
        Outcome([Reply("page", replace=True)], callback_notice="Saved"),
        Press("q", 7),  # type: ignore[arg-type]
    )
    assert port.calls == [
        ("answer", "Expired.", True),
        ("answer", "Saved", False),
        ("send", "page", None, True),
    ]


async def test_markup_telegram_refuses_is_sent_as_plain_text() -> None:
    port = FakePort(refuse_html=True)
    await render_outcome(port, 1, Outcome([Reply("a <b>b & c</b>")]), None)  # type: ignore[arg-type]
    assert port.calls == [("send", "a b & c", None, False)]


def test_plain_text_keeps_what_is_not_a_tag() -> None:
    assert plain_text("size <5 cm> &amp; <i>x</i>") == "size <5 cm> & x"
    assert re.fullmatch(r"[\w ]+", plain_text("<code>ok</code> fine"))


class FilePort(FakePort):
    async def send_document(self, chat_id: int, document: Any, caption: Any, keyboard: Any) -> None:
        self.calls.append(("document", document.file_name, caption, keyboard))

    async def send_file(
        self, chat_id: int, file_id: str, kind: str, caption: Any, keyboard: Any
    ) -> None:
        if kind == "document" and file_id.startswith("photo"):
            raise Rejected("Bad Request: can't use file of type Photo as Document")
        self.calls.append((kind, file_id, caption, keyboard))


async def test_files_take_the_caption_and_the_keyboard_goes_last() -> None:
    port = FilePort()
    buttons = ((Button("Open", "g:a:b:c"),),)
    keyboard = keyboard_of(Reply("", buttons=buttons))
    contract = Document("c.pdf", b"%PDF")
    await send_reply(port, 1, Reply("short", buttons=buttons, document=contract))  # type: ignore[arg-type]
    long_text = "x" * 2000
    await send_reply(port, 1, Reply(long_text, buttons=buttons, file_id="photo-1"))  # type: ignore[arg-type]
    assert port.calls == [
        ("document", "c.pdf", "short", keyboard),
        ("send", long_text, None, True),
        ("photo", "photo-1", None, keyboard),  # re-sent as what Telegram says it is
    ]
