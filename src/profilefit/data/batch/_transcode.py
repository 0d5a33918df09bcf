"""Inputs the readers cannot stream as they are: standard input, gzip files, text that is not UTF-8.

Each is copied once, as UTF-8, into a temporary folder that is removed when the run ends,
so that every reader (pyarrow's fast CSV reader, the csv module, JSON Lines) reads one
kind of file. UTF-16 and UTF-32 are recognised by their byte-order mark; other encodings
(``cp1252``, as older Excel versions save CSV) are named with ``encoding=``. A byte that
is not valid in the named encoding stops the run with the file, the line and the byte
offset, because a wrong encoding would misread every row, not one.
"""

from __future__ import annotations

import codecs
import gzip
import sys
from pathlib import Path
from typing import Any

#: Byte-order marks and the encodings they announce; UTF-32 first (its little-endian mark starts like UTF-16's).
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8_NAMES = frozenset({"utf-8", "utf8", "utf-8-sig", "utf_8", "utf_8_sig"})
_BLOCK = 1 << 20
#: What standard input holds, from its first bytes: (magic, suffix).
_MAGIC = ((b"PAR1", ".parquet"), (b"PK\x03\x04", ".xlsx"), (b"\x1f\x8b", ".gz"))


def encoding_of(head: bytes, encoding: str | None) -> str | None:
    """The encoding to transcode from, or ``None`` when the bytes can be read as UTF-8.

    Raises
    ------
    LookupError
        For an encoding Python does not know.
    """
    if encoding is not None:
        name = codecs.lookup(encoding).name
        return None if name in _UTF8_NAMES or name == "utf-8" else encoding
    for mark, name in BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return name
    return _utf16_without_mark(head)


def _utf16_without_mark(head: bytes) -> str | None:
    r"""``utf-16-le`` or ``utf-16-be`` for text that is plainly UTF-16 without a byte-order mark, else ``None``.

    A header of Latin letters in UTF-16 has a zero byte beside every letter: after each one (little
    endian) or before it (big endian). Text in UTF-8 has no zero bytes at all, so nine in ten of one side
    zero and almost none of the other cannot be UTF-8. An export saved as "Unicode text" by a tool that
    writes no mark used to be read as a header of letters and zeros (``c\x00a\x00n\x00d…``).
    """
    sample = head[: 512 - (len(head[:512]) % 2)]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zero_odd >= 0.9 and zero_even <= 0.1:
        return "utf-16-le"
    if zero_even >= 0.9 and zero_odd <= 0.1:
        return "utf-16-be"
    return None


def _open(path: Path, compressed: bool) -> Any:
    return gzip.open(path, "rb") if compressed else path.open("rb")


def utf8_copy(
    path: Path, folder: Path, *, suffix: str, encoding: str | None, compressed: bool, name: str
) -> Path | None:
    """A UTF-8, uncompressed copy of ``path`` in ``folder``, or ``None`` when the file can be read as it is.

    Parameters
    ----------
    path : Path
    folder : Path
        Where the copy goes (the caller removes it).
    suffix : str
        The format's suffix for the copy (``.csv``, ``.jsonl``).
    encoding : str, optional
        The text's encoding; by default UTF-8, or UTF-16/32 when a byte-order mark says so (or UTF-16 when
        the text plainly is, without a mark: :func:`encoding_of`).
    compressed : bool
        Whether the file is gzip-compressed.
    name : str
        The input as messages name it.

    Raises
    ------
    ValueError
        When a byte is not valid in the encoding: naming the file, the line and the byte offset.
    """
    with _open(path, compressed) as stream:
        head = stream.read(512)  # a byte-order mark, or enough text to tell UTF-16 without one (encoding_of)
        source = encoding_of(head, encoding)
        if source is None and not compressed:
            return None
        copy = folder / ("input" + suffix)
        with copy.open("wb") as out:
            if source is None:  # compressed UTF-8: decompress only
                out.write(head)
                while block := stream.read(_BLOCK):
                    out.write(block)
                return copy
            more = stream.read(_UTF8_PROBE - len(head))
            _refuse_utf8_read_as_bytes(head + more, encoding, source, name)
            decoder = codecs.getincrementaldecoder(source)("strict")
            offset, lines, data = 0, 1, head + more
            while True:
                try:
                    text = decoder.decode(data, final=not data)
                except UnicodeDecodeError as error:
                    at = offset + error.start
                    lines += decoder_lines(data[: error.start], source)
                    raise ValueError(
                        f"{name}, line {lines}: not valid {source} text (byte offset {at:,}: {error.reason}); "
                        "give the file's encoding with --encoding"
                    ) from None
                out.write(text.encode("utf-8"))
                lines += text.count("\n")
                if not data:
                    return copy
                offset += len(data)
                data = stream.read(_BLOCK)


#: Bytes of a file read to tell UTF-8 text given a one-byte --encoding.
_UTF8_PROBE = 1 << 20


def _refuse_utf8_read_as_bytes(data: bytes, given: str | None, source: str, name: str) -> None:
    """Refuse UTF-8 text named as a one-byte encoding (cp1252, latin-1): every non-ASCII letter would be garbled.

    A trial: ``--encoding cp1252`` on a UTF-8 file gave ids such as ``SÃ¸ren``, exit 0, and with a UTF-8 byte-order
    mark "there is no candidate_id column". A UTF-8 byte-order mark, or non-ASCII bytes that are all valid UTF-8
    sequences (text in a one-byte encoding almost never forms them), say the file is UTF-8.
    """
    if given is None or codecs.lookup(source).name.startswith(("utf", "utf_")):
        return
    try:
        if codecs.lookup(source).decode(b"\x80\xfe")[1] == 0:  # a multi-byte codec decoded nothing
            return
    except UnicodeDecodeError:
        return  # not a one-byte codec: its own strict reading names a bad byte
    mark = data.startswith(codecs.BOM_UTF8)
    if not mark:
        try:  # not final: a character the probe cut in two at its end is not a bad byte
            codecs.getincrementaldecoder("utf-8")("strict").decode(data, final=len(data) < _UTF8_PROBE)
        except UnicodeDecodeError:
            return
        if data.isascii():
            return
    why = "starts with a UTF-8 byte-order mark" if mark else "is UTF-8 text (its letters beyond ASCII are UTF-8's)"
    raise ValueError(
        f"{name}: --encoding {given} was given, but the file {why}; read as {given}, every such letter would be "
        "garbled ('ø' as 'Ã¸'). Leave --encoding out: UTF-8 is read by default"
    )


def decoder_lines(data: bytes, encoding: str) -> int:
    """Line breaks in the decodable start of a block, for the line number of an error."""
    return codecs.decode(data, encoding, errors="ignore").count("\n")


def spool_standard_input(folder: Path) -> Path:
    """Copy standard input to ``folder``, named by what it holds (Parquet, xlsx, gzip, JSON Lines or CSV)."""
    stream = sys.stdin.buffer
    head = stream.read(_BLOCK)
    suffix = next((found for magic, found in _MAGIC if head.startswith(magic)), None)
    if suffix is None:
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        suffix = ".jsonl" if text.startswith(b"{") else ".csv"
    if suffix == ".gz":
        suffix = ".csv.gz"
    path = folder / ("standard-input" + suffix)
    with path.open("wb") as out:
        out.write(head)
        while block := stream.read(_BLOCK):
            out.write(block)
    return path
