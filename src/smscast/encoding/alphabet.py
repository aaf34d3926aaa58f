"""The GSM 03.38 default alphabet and its extension table (3GPP TS 23.038, section 6.2.1).

Texts travel as unpacked septets: one septet value per byte, the form SMPP carries with
data_coding 0. The SMSC packs every eight septets into seven octets for the air interface.
"""

from __future__ import annotations

import codecs
import re

__all__ = [
    "BASIC",
    "ESCAPE",
    "EXTENSION",
    "GSM_CHARS",
    "decode_gsm7",
    "encode_gsm7",
    "encode_unchecked",
    "is_gsm7",
    "scan",
]

ESCAPE = 0x1B

# The 128 septets of the default alphabet, in septet order: row n holds septets 16n..16n+15.
# 0x1B is the escape to the extension table, not a character: U+001B in a text is not GSM,
# or it would swallow the character after it. 0x09 is the capital C cedilla that 23.038 draws;
# Unicode's GSM0338.TXT maps it to the small one instead, so other software may disagree.
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

# The extension table: each character is sent as ESC + this septet, so it costs two.
# 0x0D (CR2) and 0x1B (a further extension) are reserved codes with no character.
EXTENSION = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}

GSM_CHARS = frozenset(BASIC.replace("\x1b", "")) | frozenset(EXTENSION)

# The fast path works on bytes, in C. A text that is Latin-1 but for euro signs becomes one
# byte per character, the euro sign standing in as 0x80 (a C1 control, never GSM itself, so a
# text holding a real U+0080 is sent down the slow path). Deleting the default-alphabet bytes
# with bytes.translate then leaves the extension characters and the strangers, in order.
_EURO, _EURO_STANDIN, _EURO_BYTE = "€", "\x80", 0x80
_LATIN1_SEPTETS = {
    ord(ch): septet for septet, ch in enumerate(BASIC) if septet != ESCAPE and ord(ch) < 0x100
}
_LATIN1_EXTENSION_CODES = {
    (_EURO_BYTE if ch == _EURO else ord(ch)): code for ch, code in EXTENSION.items()
}
_LATIN1_BASIC = bytes(_LATIN1_SEPTETS)
_LATIN1_EXTENSION = bytes(_LATIN1_EXTENSION_CODES)
_LATIN1_TO_SEPTET = bytes.maketrans(
    _LATIN1_BASIC + _LATIN1_EXTENSION,
    bytes(_LATIN1_SEPTETS.values()) + bytes(_LATIN1_EXTENSION_CODES.values()),
)
# Here 0x80 is a real U+0080, not the euro sign.
_ASCII_EXTENSION = bytes(byte for byte in _LATIN1_EXTENSION if byte != _EURO_BYTE)
_LATIN1_RUNS = re.compile("[\x00-\xff]+")
# (byte, the byte alone, ESC + the byte): escapes go in before translating to septets.
_LATIN1_ESCAPES = tuple((byte, bytes((byte,)), bytes((ESCAPE, byte))) for byte in _LATIN1_EXTENSION)

_ENCODE = str.maketrans(
    {ch: chr(septet) for septet, ch in enumerate(BASIC) if septet != ESCAPE}
    | {ch: chr(ESCAPE) + chr(code) for ch, code in EXTENSION.items()}
)
# "\ufffe" marks an undefined byte for codecs.charmap_decode; 0x80-0xFF are undefined too.
_DECODE_BASIC = BASIC.replace("\x1b", "\ufffe")
_DECODE_EXTENSION = {code: ch for ch, code in EXTENSION.items()}


def _latin1(text: str) -> bytes | None:
    """Return one byte per character, the euro sign as 0x80, or None if that cannot be done."""
    raw = text.encode("latin-1", "ignore")  # "ignore" drops wider characters without raising
    if len(raw) == len(text):
        return None if _EURO_BYTE in raw else raw
    if _EURO in text and _EURO_STANDIN not in text:
        raw = text.replace(_EURO, _EURO_STANDIN).encode("latin-1", "ignore")
        if len(raw) == len(text):
            return raw
    return None


def scan(text: str) -> tuple[int, tuple[str, ...]]:
    """Return the number of extension characters and the non-GSM characters, first seen first.

    The extension count is only meaningful when there is no non-GSM character.
    """
    raw = _latin1(text)
    if raw is None:
        return _scan_wide(text)
    rest = raw.translate(None, _LATIN1_BASIC)
    if not rest:
        return 0, ()
    strangers = rest.translate(None, _LATIN1_EXTENSION)
    if not strangers:
        return len(rest), ()
    return 0, tuple(dict.fromkeys(strangers.decode("latin-1")))


def _scan_wide(text: str) -> tuple[int, tuple[str, ...]]:
    """Scan a text with characters beyond Latin-1: Greek capitals, or UCS-2 for sure."""
    # Python must touch each wide character (nothing in C lists distinct ones), at tens of
    # nanoseconds each: a set is cheapest when most characters are wide (Cyrillic, CJK), while
    # a text with a few emoji sends only those through Python and its Latin-1 part via bytes.
    raw = text.encode("latin-1", "ignore")
    narrow = raw.translate(None, _LATIN1_BASIC)  # extension characters and strangers
    if len(raw) * 2 < len(text):
        strangers = set(text) - GSM_CHARS
    else:
        wide = dict.fromkeys(_LATIN1_RUNS.sub("", text))
        wide_strangers = [ch for ch in wide if ch not in GSM_CHARS]
        narrow_strangers = narrow.translate(None, _ASCII_EXTENSION)
        if not narrow_strangers:
            return (0, tuple(wide_strangers)) if wide_strangers else _extensions(text, narrow)
        strangers = {*narrow_strangers.decode("latin-1"), *wide_strangers}
    if not strangers:
        return _extensions(text, narrow)
    return 0, tuple(sorted(strangers, key=text.index))


def _extensions(text: str, narrow: bytes) -> tuple[int, tuple[str, ...]]:
    # With no strangers, what is left of the Latin-1 part is extension characters.
    return len(narrow) + text.count(_EURO), ()


def is_gsm7(text: str) -> bool:
    """Tell whether every character is in the default alphabet or its extension table."""
    return not scan(text)[1]


def encode_gsm7(text: str) -> bytes:
    """Encode to unpacked septets, escape (0x1B) before each extension character."""
    strangers = scan(text)[1]
    if strangers:
        raise ValueError(f"not in the GSM 03.38 alphabet: {''.join(strangers)!r}")
    return encode_unchecked(text)


def encode_unchecked(text: str) -> bytes:
    """Encode a text already known to be GSM-7."""
    raw = _latin1(text)
    if raw is None:  # Greek capitals: the general table, slower
        return text.translate(_ENCODE).encode("latin-1")
    for byte, alone, escaped in _LATIN1_ESCAPES:
        if byte in raw:  # an int test is a memchr; a bytes one is a slower general search
            raw = raw.replace(alone, escaped)
    return raw.translate(_LATIN1_TO_SEPTET)


def decode_gsm7(data: bytes) -> str:
    """Decode unpacked septets; bytes above 0x7F become U+FFFD."""
    if ESCAPE not in data:
        return _decode_basic(data)
    out: list[str] = []
    start = 0
    while (at := data.find(ESCAPE, start)) >= 0:
        out.append(_decode_basic(data[start:at]))
        code = data[at + 1] if at + 1 < len(data) else ESCAPE
        if code == ESCAPE:
            # ESC ESC is reserved for a further extension table, and a lone trailing ESC is
            # malformed; 23.038 says to display a space for the former, we do so for both.
            out.append(" ")
        else:
            # An unknown escaped code shows as the default-alphabet character (23.038 6.2.1.1).
            out.append(_DECODE_EXTENSION.get(code) or _decode_basic(bytes((code,))))
        start = at + 2
    out.append(_decode_basic(data[start:]))
    return "".join(out)


def _decode_basic(data: bytes) -> str:
    return codecs.charmap_decode(data, "replace", _DECODE_BASIC)[0]
