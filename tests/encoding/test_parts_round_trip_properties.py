"""Properties of parts(): lossless, within 140 octets, never cut inside a character."""

from hypothesis import given
from hypothesis import strategies as st

from smscast.encoding import analyze, decode, parts

GSM_CHARS = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION_CHARS = "\f^{}\\[~]|€"

# Extension characters drawn often enough to land on part boundaries.
gsm_texts = st.text(
    st.one_of(st.sampled_from(GSM_CHARS), st.sampled_from(EXTENSION_CHARS)), max_size=700
)
astral = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF)
ucs2_texts = st.text(
    st.one_of(
        st.sampled_from(GSM_CHARS + EXTENSION_CHARS),
        st.characters(exclude_categories=("Cs",)),
        astral,
    ),
    max_size=400,
)
any_texts = st.one_of(gsm_texts, ucs2_texts)
udh16s = st.booleans()


def joined_text(text, udh16):
    return "".join(
        decode(p.data_coding, p.short_message, udhi=bool(p.esm_class))
        for p in parts(text, 7, udh16=udh16)
    )


def air_octets(part):
    """Return the octets the part takes on the air, as TS 23.040 packs it."""
    if part.data_coding == 8:
        return len(part.short_message)
    # Unpacked septets: the SMSC packs them after the UDH, padded to a septet boundary.
    header_septets = -(-len(part.udh) * 8 // 7)
    return -(-(header_septets + len(part.payload)) * 7 // 8)


@given(gsm_texts, udh16s)
def test_gsm_text_survives_split_and_decode(text, udh16):
    assert joined_text(text, udh16) == text


@given(ucs2_texts, udh16s)
def test_any_text_survives_split_and_decode(text, udh16):
    assert joined_text(text, udh16) == text


@given(any_texts, udh16s)
def test_every_part_fits_140_octets_with_its_udh(text, udh16):
    assert all(air_octets(p) <= 140 for p in parts(text, udh16=udh16))


@given(any_texts, udh16s)
def test_no_part_ends_in_a_lone_escape_or_half_a_surrogate_pair(text, udh16):
    for part in parts(text, udh16=udh16):
        if part.data_coding == 0:
            assert not part.payload.endswith(b"\x1b")
        elif part.payload:
            assert not 0xD800 <= int.from_bytes(part.payload[-2:], "big") <= 0xDBFF
            assert not 0xDC00 <= int.from_bytes(part.payload[:2], "big") <= 0xDFFF


@given(any_texts)
def test_analyze_counts_the_parts_that_parts_makes(text):
    result = analyze(text)
    made = parts(text)
    assert result.segments == len(made)
    assert all(p.data_coding == (0 if result.encoding == "GSM-7" else 8) for p in made)
    width = 1 if result.encoding == "GSM-7" else 2
    assert result.units == sum(len(p.payload) for p in made) // width


@given(any_texts)
def test_parts_are_full_but_for_a_character_that_would_not_fit(text):
    made = parts(text)
    per_part = analyze(text).per_segment
    for part in made[:-1]:
        width = 1 if part.data_coding == 0 else 2
        assert per_part - 1 <= len(part.payload) // width <= per_part
