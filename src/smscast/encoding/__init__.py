"""Text encoding for SMS: GSM 03.38 and UCS-2, segmentation, smart encoding. Pure, no I/O.

A text goes out as GSM-7 when every character is in the GSM 03.38 default alphabet or its
extension table, else as UCS-2 (UTF-16BE in practice). `analyze` prices a text on the hot
path; `parts` builds what SMPP sends; `decode` and `reassemble_udh` read what comes back.
"""

from smscast.encoding.alphabet import decode_gsm7, encode_gsm7, is_gsm7
from smscast.encoding.analysis import GSM7, UCS2, Analysis, analyze
from smscast.encoding.inbound import decode
from smscast.encoding.segmentation import Part, parts
from smscast.encoding.smart import smart_encode, unescape_newlines
from smscast.encoding.udh import reassemble_udh

__all__ = [
    "GSM7",
    "UCS2",
    "Analysis",
    "Part",
    "analyze",
    "decode",
    "decode_gsm7",
    "encode_gsm7",
    "is_gsm7",
    "parts",
    "reassemble_udh",
    "smart_encode",
    "unescape_newlines",
]
