"""Reading uploads: text in the encodings we take, everything else refused whole; records
whole, however long or strange."""

from __future__ import annotations

import codecs
import io

import pytest

from smscast.batches.csvfile import (
    MAX_RECORD_CHARS,
    FileRefused,
    TooLong,
    decode_blocks,
    records,
    split_fields,
)


def read(raw: bytes) -> tuple[list[object], str]:
    decoded = decode_blocks(io.BytesIO(raw))
    out = list(records(decoded))
    return out, decoded.charset


TEXT = "number,message\n+14155550100,Café ☕\n"


@pytest.mark.parametrize(
    ("raw", "charset"),
    [
        (TEXT.encode(), "UTF-8"),
        (codecs.BOM_UTF8 + TEXT.encode(), "UTF-8"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "UTF-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "UTF-16"),
    ],
)
def test_utf8_with_or_without_bom_and_utf16_with_bom_read_the_same(raw, charset):
    got, shown = read(raw)
    assert got == ["number,message", "+14155550100,Café ☕"]
    assert shown == charset


def test_plain_ascii_says_so():
    assert read(b"1,a\n")[1] == "ASCII"


def test_crlf_and_cr_line_ends_are_line_feeds():
    assert read(b"a,1\r\nb,2\rc,3")[0] == ["a,1", "b,2", "c,3"]


def test_a_crlf_split_across_blocks_is_one_line_end(monkeypatch):
    monkeypatch.setattr("smscast.batches.csvfile.BLOCK", 4)
    assert read(b"ab,\r\ncd,\r\n")[0] == ["ab,", "cd,"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not valid UTF-8"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "NUL"),  # a zip (xlsx) file
        (b"number,message\n+1415,caf\xe9\n", "not valid UTF-8"),
        (b"a,b\n\x00\x00c,d", "NUL"),
        ("number,message\n+14155550100,hi\n".encode("utf-16-le"), "NUL"),  # no BOM
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "UTF-32"),
        (b"a,b\x1b[31m\n", "control character"),
        (b"\xff\xfe\x00", "not valid UTF-16"),
    ],
)
def test_what_is_not_text_is_refused(raw, says):
    with pytest.raises(FileRefused) as caught:
        read(raw)
    assert says in caught.value.detail


def test_refusal_comes_before_any_record_of_a_bad_block_is_used():
    decoded = decode_blocks(io.BytesIO(b"ok,1\n" * 10 + b"\xff"))
    with pytest.raises(FileRefused):
        list(records(decoded))


def test_quoted_fields_may_hold_commas_quotes_and_line_breaks():
    got, _ = read(b'+1,"Hi, you"\n+2,"say ""hi"""\n+3,"two\nlines"\n')
    assert got == ['+1,"Hi, you"', '+2,"say ""hi"""', '+3,"two\nlines"']
    assert split_fields(got[2]) == ["+3", "two\nlines"]
    assert split_fields(got[1]) == ["+2", 'say "hi"']


def test_empty_lines_are_kept_as_records_so_rows_keep_their_numbers():
    assert read(b"a\n\n\nb\n")[0] == ["a", "", "", "b"]


def test_a_ten_megabyte_line_is_one_too_long_record():
    raw = b"+14155550100," + b"x" * (10 * 1024 * 1024) + b"\n+14155550101,ok\n"
    got, _ = read(raw)
    assert isinstance(got[0], TooLong) and got[0].chars > MAX_RECORD_CHARS
    assert got[1:] == ["+14155550101,ok"]


def test_a_hundred_thousand_columns_is_one_too_long_record():
    got, _ = read(b"+1," + b",".join([b"c"] * 100_000) + b"\n+2,ok")
    assert isinstance(got[0], TooLong)
    assert got[1] == "+2,ok"


def test_an_unterminated_quote_costs_one_record_not_the_rest_of_the_file():
    raw = b'+1,"open\n' + b"+2,fine\n" * 3000
    got, _ = read(raw)
    assert got[0] == '+1,"open'
    assert got[1:] == ["+2,fine"] * 3000


@pytest.mark.parametrize("record", ['"a"b,c', '"open', 'a,"b"c'])
def test_malformed_quoting_is_an_error(record):
    with pytest.raises(ValueError):
        split_fields(record)


def test_a_larger_file_than_allowed_is_refused():
    with pytest.raises(FileRefused):
        list(records(decode_blocks(io.BytesIO(b"a,b\n" * 100), max_bytes=50)))
