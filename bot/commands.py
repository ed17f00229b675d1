"""The command menu and the bot's description, published to Telegram per language."""

import logging
from dataclasses import dataclass, field

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from bot.i18n import N_, I18n, Translator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MenuCommand:
    """A command in Telegram's menu: its Indonesian name, other names, and description."""

    name: str
    description: str
    aliases: dict[str, str] = field(default_factory=dict)

    def name_in(self, lang: str) -> str:
        """The command name shown to speakers of ``lang``."""
        return self.aliases.get(lang, self.name)

    def names(self) -> list[str]:
        """Every name the command answers to."""
        return [self.name, *self.aliases.values()]


START = MenuCommand("start", N_("Mulai dan menu utama"))
HELP = MenuCommand("bantuan", N_("Apa yang bisa dilakukan bot ini"), {"en": "help"})
GUIDE = MenuCommand(
    "panduan", N_("Panduan mengisi sensus online langkah demi langkah"), {"en": "guide"}
)
SCHEDULE = MenuCommand("jadwal", N_("Jadwal sensus"), {"en": "schedule"})
REMIND = MenuCommand("ingatkan", N_("Pengingat jadwal dan token"), {"en": "remind"})
STOP = MenuCommand("berhenti", N_("Berhenti menerima pengingat"), {"en": "stop"})
CALENDAR = MenuCommand(
    "kalender", N_("Terapkan kalender sensus yang direvisi (admin)"), {"en": "calendar"}
)
STAFF = MenuCommand("staf", N_("Kelola petugas (admin)"), {"en": "staff"})
INVITE_RT = MenuCommand("undang_rt", N_("Undang ketua RT (petugas)"), {"en": "invite_rt"})
RT_HEADS = MenuCommand(
    "ketua_rt", N_("Ketua RT dan undangan: cabut atau tarik (petugas)"), {"en": "rt_heads"}
)
LINK = MenuCommand("hubungkan", N_("Hubungkan grup warga (ketua RT)"), {"en": "link"})
ANNOUNCE = MenuCommand(
    "umumkan", N_("Kirim pengumuman ke grup warga (ketua RT)"), {"en": "announce"}
)
BROADCAST = MenuCommand("siaran", N_("Siaran ke warga (petugas)"), {"en": "broadcast"})
BROADCAST_STATUS = MenuCommand(
    "siaran_status", N_("Status siaran (petugas)"), {"en": "broadcast_status"}
)
HELPDESK = MenuCommand(
    "meja_bantuan", N_("Jadikan grup ini meja bantuan (admin)"), {"en": "helpdesk"}
)
TICKETS = MenuCommand("tiket", N_("Tiket warga yang belum dijawab (petugas)"), {"en": "tickets"})
STATISTICS = MenuCommand("statistik", N_("Statistik dengan grafik (petugas)"), {"en": "stats"})
INBOX = MenuCommand(
    "tanya_masuk", N_("Pertanyaan yang belum terjawab: ajari bot (petugas)"), {"en": "inbox"}
)
LANGUAGE = MenuCommand("bahasa", N_("Ganti bahasa"), {"en": "language"})
PRIVACY = MenuCommand("privasi", N_("Data apa yang disimpan bot ini"), {"en": "privacy"})
DELETE_DATA = MenuCommand("hapusdata", N_("Hapus semua data Anda"), {"en": "deletedata"})

MENU: list[MenuCommand] = [
    START,
    SCHEDULE,
    GUIDE,
    REMIND,
    HELP,
    LANGUAGE,
    PRIVACY,
    STOP,
    DELETE_DATA,
]

DESCRIPTION = N_(
    "Asisten resmi Sensus Penduduk 2020 (SP2020). Tanyakan jadwal, cara mengisi sensus "
    "online, token, dan cara mengenali petugas. Bot ini tidak pernah meminta NIK lengkap, "
    "token, atau kata sandi Anda."
)
SHORT_DESCRIPTION = N_("Tanya jawab dan panduan Sensus Penduduk 2020 (SP2020).")


def command_list(t: Translator) -> list[BotCommand]:
    """The menu in one language."""
    return [BotCommand(c.name_in(t.code), t._(c.description)) for c in MENU]


async def publish_commands(bot: Bot, i18n: I18n) -> None:
    """Set commands and descriptions for the default and every two-letter language."""
    targets: list[tuple[str, Translator]] = [("", i18n.translator(None))]
    targets += [
        (language.telegram, i18n.translator(code))
        for code, language in i18n.languages.items()
        if language.telegram
    ]
    try:
        for language_code, t in targets:
            await bot.set_my_commands(command_list(t), language_code=language_code or None)
            await bot.set_my_description(t._(DESCRIPTION), language_code=language_code or None)
            await bot.set_my_short_description(
                t._(SHORT_DESCRIPTION), language_code=language_code or None
            )
    except TelegramError as error:
        # The menu is a convenience: a failure here must not keep the bot from answering.
        log.warning("could not publish the command menu: %s", error)
