"""A stock python-telegram-bot bot, written the way PTB's own examples write one.

`ApplicationBuilder`, a `CommandHandler` for /start, one `CallbackQueryHandler` that answers
the query and edits the message, the default HTTPXRequest transport, `run_polling()`, no
persistence. It shows the real bot's texts and buttons (see screens.py). Run with the project's
venv, which pins the same python-telegram-bot as the bot:

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT python benchmarks/peers/ptb_bot.py
"""

from __future__ import annotations

import logging
import os

from screens import FIRST, SCREENS, rows, text
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

logging.basicConfig(format="%(asctime)s - %(name)s - %(levelname)s - %(message)s",
                    level=logging.INFO)
# Like the examples: httpx would log every request at INFO.
logging.getLogger("httpx").setLevel(logging.WARNING)
logger = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def keyboard(screen: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
         for row in rows(screen)]
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the first screen on /start."""
    assert update.message is not None
    await update.message.reply_text(text(FIRST), parse_mode=ParseMode.HTML,
                                    link_preview_options=NO_PREVIEW,
                                    reply_markup=keyboard(FIRST))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press, then show the screen the button leads to in the same message."""
    query = update.callback_query
    assert query is not None
    # CallbackQueries need to be answered, even if no notification to the user is needed.
    await query.answer()
    screen = query.data or ""
    if screen in SCREENS:
        await query.edit_message_text(text(screen), parse_mode=ParseMode.HTML,
                                      link_preview_options=NO_PREVIEW,
                                      reply_markup=keyboard(screen))


def main() -> None:
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_URL"].rstrip("/") + "/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(button))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
