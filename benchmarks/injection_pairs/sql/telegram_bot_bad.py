import sqlite3

from telegram import Update
from telegram.ext import ContextTypes

db = sqlite3.connect("notes.db")


async def find_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyword = update.message.text.removeprefix("/find ").strip()
    rows = db.execute("SELECT body FROM notes WHERE body LIKE '%%%s%%'" % keyword).fetchall()
    await update.message.reply_text("\n".join(r[0] for r in rows) or "nothing found")
