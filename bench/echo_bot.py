"""The baseline: a bare python-telegram-bot echo bot, as in its examples.

Run: python -m bench.echo_bot API_URL [--concurrent]
"""

import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from offline.fake_telegram import TOKEN


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    if update.message and update.message.text:
        await update.message.reply_text(update.message.text)


def main() -> None:
    """Poll the given Bot API until SIGTERM."""
    builder = ApplicationBuilder().token(TOKEN).base_url(f"{sys.argv[1]}/bot{{token}}")
    if "--concurrent" in sys.argv:
        builder = builder.concurrent_updates(True)
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
