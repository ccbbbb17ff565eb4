"""Text files as Windows and spreadsheets save them: which legacy encoding a file that is
not UTF-8 is plausibly in, shared by every reader of user files (articles, outlet tables,
URL lists)."""

from __future__ import annotations

import re
from pathlib import Path

from newsweave.errors import InputError, warn

#: A lead byte and its continuation bytes: a sequence only UTF-8 makes (in Windows-1252 it
#: reads as mojibake such as "Ã©"), so a file holding one is damaged UTF-8, not Windows-1252.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                            rb"|[\xf0-\xf4][\x80-\xbf]{3}")
#: Above this share of non-ASCII letters, a Windows-1252 reading is mojibake of another
#: script (Cyrillic, Greek); accented Western text is a few per cent.
MAX_LEGACY_NON_ASCII = 0.3
_NON_ASCII_LETTER = re.compile(r"[^\W\d_\x00-\x7f]")


def legacy_text(data: bytes) -> str | None:
    """Text saved by a Western Windows editor ("ANSI", i.e. Windows-1252, of which Latin-1 is
    nearly all) that is not UTF-8; None where that reading is not plausible: the bytes hold
    UTF-8 sequences (damaged UTF-8), open with a UTF-16 mark, use a byte that Windows-1252
    leaves undefined, or read as letters mostly outside ASCII (another script's encoding)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _UTF8_SEQUENCE.search(data):
        return None
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = sum(1 for c in text if c.isalpha())  # counted, not listed: files are 20 MB
    foreign = len(_NON_ASCII_LETTER.findall(text))
    if letters and foreign > MAX_LEGACY_NON_ASCII * letters:
        return None
    return text


def user_text(data: bytes, path: str | Path, advice: str | None = None) -> str:
    """A text file a user made (an article, a table, a list of URLs) as text: UTF-8, UTF-16
    with its byte-order mark (Notepad's and Excel's "Unicode"), or Windows-1252 with a
    warning; else InputError at the line of the first byte UTF-8 refuses (and ``advice``)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-16 text (invalid bytes at offset {exc.start})",
                             path) from None
        if re.search(r"[ \n]", text):  # text has spaces or lines; bytes that only decode not
            return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = legacy_text(data)
        if text is None:
            line = data.count(b"\n", 0, exc.start) + 1
            tip = f"; {advice}" if advice else ""
            raise InputError(f"not UTF-8 text (invalid byte at offset {exc.start}{tip})", path,
                             line) from None
    warn("not UTF-8: read as Windows-1252", path)
    return text


_CHARACTER_REFERENCE = re.compile(rb"&#(?:[xX]([0-9A-Fa-f]+)|([0-9]+));")


def valid_character_references(data: bytes) -> bytes:
    """A feed's bytes with every numeric character reference that names no character (a
    surrogate such as ``&#xD800;``, a number past U+10FFFF) made ``&#xFFFD;``. XML forbids
    them; feedparser's loose parser turns them into a crash that loses the whole feed (a
    surrogate no encoder takes, ``chr()`` out of range, an int overflow)."""
    def fix(match: re.Match[bytes]) -> bytes:
        digits = match.group(1) or match.group(2)
        value = int(digits, 16 if match.group(1) else 10) if len(digits) <= 8 else -1
        valid = 0 <= value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF
        return match.group(0) if valid else b"&#xFFFD;"

    return _CHARACTER_REFERENCE.sub(fix, data) if b"&#" in data else data
