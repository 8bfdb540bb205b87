"""A stock aiogram 3 bot, written the way aiogram's documentation writes one.

A `Router` with `@router.message(CommandStart())` and `@router.callback_query(...)` handlers,
a `Dispatcher`, `dp.start_polling(bot)`, the default aiohttp session pointed at the fake with
`TelegramAPIServer.from_base`, no storage beyond aiogram's default. It shows the real bot's texts
and buttons (see screens.py). aiogram is not a dependency of the project: this runs with
benchmarks/.venv-peers (benchmarks/peers/requirements.txt):

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT \
        benchmarks/.venv-peers/bin/python benchmarks/peers/aiogram_bot.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.filters import CommandStart
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
)
from screens import FIRST, SCREENS, rows, text

router = Router()
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def keyboard(screen: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
        for row in rows(screen)
    ])


@router.message(CommandStart())
async def command_start_handler(message: Message) -> None:
    """Send the first screen on /start."""
    await message.answer(text(FIRST), reply_markup=keyboard(FIRST),
                         link_preview_options=NO_PREVIEW)


@router.callback_query(F.data.in_(SCREENS))
async def show_screen(callback: CallbackQuery) -> None:
    """Answer the press, then show the screen the button leads to in the same message."""
    await callback.answer()
    assert isinstance(callback.message, Message) and callback.data is not None
    await callback.message.edit_text(text(callback.data), reply_markup=keyboard(callback.data),
                                     link_preview_options=NO_PREVIEW)


@router.callback_query()
async def off_the_path(callback: CallbackQuery) -> None:
    await callback.answer()


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(token=os.environ["TELEGRAM_BOT_TOKEN"], session=session,
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    dp = Dispatcher()
    dp.include_router(router)
    await dp.start_polling(bot)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stdout)
    asyncio.run(main())
