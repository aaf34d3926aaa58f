"""Keep texts in GSM-7 when they only left it through typographic look-alikes.

One stray character switches a whole message to UCS-2, which more than halves the room per
segment (160 -> 70) and so can double or triple its cost. Word processors and phones insert
such characters unasked: curly quotes, en dashes, non-breaking spaces, zero-width joiners.
"""

from __future__ import annotations

from smscast.encoding.alphabet import GSM_CHARS, is_gsm7

__all__ = ["LOOKALIKES", "smart_encode", "unescape_newlines"]

# Every value must be GSM-7 (a test checks it). "" removes the character.
LOOKALIKES: dict[str, str] = {
    # Quotation marks and primes
    "\u2018": "'",  # ‘ left single quotation mark
    "\u2019": "'",  # ’ right single quotation mark (also the typographic apostrophe)
    "\u201a": "'",  # ‚ single low-9 quotation mark
    "\u201b": "'",  # ‛ single high-reversed-9 quotation mark
    "\u2032": "'",  # ′ prime
    "\u2035": "'",  # ‵ reversed prime
    "\u02b9": "'",  # ʹ modifier letter prime
    "\u02bb": "'",  # ʻ modifier letter turned comma
    "\u02bc": "'",  # ʼ modifier letter apostrophe
    "\u02bd": "'",  # ʽ modifier letter reversed comma
    "\u00b4": "'",  # ´ acute accent, often typed as an apostrophe
    "`": "'",  # grave accent: ASCII but not GSM (0x60 is ¿), nearly always meant as '
    "\u201c": '"',  # “ left double quotation mark
    "\u201d": '"',  # ” right double quotation mark
    "\u201e": '"',  # „ double low-9 quotation mark
    "\u201f": '"',  # ‟ double high-reversed-9 quotation mark
    "\u2033": '"',  # ″ double prime
    "\u2036": '"',  # ‶ reversed double prime
    "\u02ba": '"',  # ʺ modifier letter double prime
    "\u00ab": '"',  # « left-pointing double angle quotation mark
    "\u00bb": '"',  # » right-pointing double angle quotation mark
    "\u2039": "'",  # ‹ single left-pointing angle quotation mark
    "\u203a": "'",  # › single right-pointing angle quotation mark
    # Dashes and hyphens
    "\u2010": "-",  # ‐ hyphen
    "\u2011": "-",  # ‑ non-breaking hyphen
    "\u2012": "-",  # ‒ figure dash
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2015": "-",  # ― horizontal bar
    "\u2212": "-",  # − minus sign
    "\u2043": "-",  # ⁃ hyphen bullet
    # Punctuation and symbols
    "\u2026": "...",  # … horizontal ellipsis
    "\u2022": "-",  # • bullet
    "\u2023": "-",  # ‣ triangular bullet
    "\u2044": "/",  # ⁄ fraction slash
    "\u2215": "/",  # ∕ division slash
    "\u02c6": "^",  # ˆ modifier letter circumflex (extension table: 2 septets)
    "\u02dc": "~",  # ˜ small tilde (extension table: 2 septets)
    "\u2126": "\u03a9",  # Ω ohm sign, canonically the Greek capital omega
    "\u2206": "\u0394",  # ∆ increment, drawn as the Greek capital delta
    # Spaces and line breaks
    "\t": " ",  # tab: not in the GSM alphabet
    "\u00a0": " ",  # no-break space
    **{chr(cp): " " for cp in range(0x2000, 0x200B)},  # en quad .. hair space
    "\u202f": " ",  # narrow no-break space (French punctuation)
    "\u205f": " ",  # medium mathematical space
    "\u3000": " ",  # ideographic space
    "\u2028": "\n",  # line separator
    "\u2029": "\n",  # paragraph separator
    # Invisible characters: removing them changes nothing a reader sees
    "\u00ad": "",  # soft hyphen
    "\u200b": "",  # zero-width space
    "\u200c": "",  # zero-width non-joiner
    "\u200d": "",  # zero-width joiner
    "\u200e": "",  # left-to-right mark
    "\u200f": "",  # right-to-left mark
    "\u2060": "",  # word joiner
    "\ufeff": "",  # byte order mark / zero-width no-break space
    # Greek capitals that look Latin: with the 10 Greek capitals GSM has, an all-capitals
    # Greek text fits GSM-7, which is how Greek networks have long sent it.
    "\u0391": "A",  # greek capital letter alpha
    "\u0392": "B",  # greek capital letter beta
    "\u0395": "E",  # greek capital letter epsilon
    "\u0396": "Z",  # greek capital letter zeta
    "\u0397": "H",  # greek capital letter eta
    "\u0399": "I",  # greek capital letter iota
    "\u039a": "K",  # greek capital letter kappa
    "\u039c": "M",  # greek capital letter mu
    "\u039d": "N",  # greek capital letter nu
    "\u039f": "O",  # greek capital letter omicron
    "\u03a1": "P",  # greek capital letter rho
    "\u03a4": "T",  # greek capital letter tau
    "\u03a5": "Y",  # greek capital letter upsilon
    "\u03a7": "X",  # greek capital letter chi
    # Fullwidth ASCII forms (U+FF01-U+FF5E), where the ASCII character is GSM
    **{chr(cp): chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F) if chr(cp - 0xFEE0) in GSM_CHARS},
}

_TRANSLATE = str.maketrans(LOOKALIKES)


def smart_encode(text: str) -> str:
    """Replace look-alikes by GSM characters if the whole text then fits GSM-7, else keep it."""
    if is_gsm7(text):
        return text
    replaced = text.translate(_TRANSLATE)
    return replaced if is_gsm7(replaced) else text


def unescape_newlines(text: str) -> str:
    """Turn each backslash + 'n' into a line feed, keeping whatever follows as written."""
    return text.replace("\\n", "\n")
