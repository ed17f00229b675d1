"""Pure census-bot logic: no Telegram, no database, no I/O."""
