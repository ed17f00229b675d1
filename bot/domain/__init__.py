"""Census-bot logic without Telegram or a database. Its only I/O is reading and writing its own
data files: the loaders for the calendar TOML, FAQ content and examples, and the matcher's model
cache; everything else is pure."""
