"""Read a transaction log: files, containers, encodings; the front door of the data layer.

``load_data(params)`` is what every chapter calls::

    transactions, report = load_data({"data": "orders.csv.gz", "decimal": ","})

``data`` is a path (CSV with any common delimiter; Parquet; Excel; any of them
inside ``.gz``, ``.bz2`` or a ``.zip`` with one file), ``"shop"`` for the
built-in simulated shop, or ``"cdnow"`` for the CDNOW master file that ships
inside the ``lifetimes`` wheel. Text is decoded as UTF-8 (with or without a
byte-order mark) when it is valid UTF-8, else by charset-normalizer among
Windows-1252 and Latin-1; ``encoding`` overrides the detection. A last line
with a different number of fields (a file cut off mid-line) is dropped and
flagged. Known layouts are recognised by their column names
(:data:`analysis.data.canonical.LAYOUTS`); the table is then validated and
cleaned (:mod:`analysis.data.clean`), and the :class:`DataReport` says what
was read, what each rule did, and which encoding and currency apply.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import difflib
import gzip
import io
import json
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from charset_normalizer import from_bytes

from analysis import schema as S
from analysis.data import handoff
from analysis.data.canonical import LAYOUTS, Layout, ParseNotes, canonical_table, detect_layout
from analysis.data.clean import CleaningRules, clean, exact_duplicates, validate_transactions
from analysis.data.params import DataParams, data_params
from analysis.data.report import DataReport, Flag
from analysis.data.source import cdnow_master_path, source_of
from analysis.errors import DataError

__all__ = ["ReadOptions", "cdnow_master_path", "decode", "load_data", "load_transactions", "read_table"]

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".data", ".dat", ""}
PARQUET_SUFFIXES = {".parquet", ".pq"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CONTAINERS = {".gz": "gzip", ".bz2": "bzip2", ".zip": "zip"}
SNIFF_BYTES = 64 * 1024
#: Single-byte encodings charset-normalizer chooses among when a file is not UTF-8.
DETECTED_ENCODINGS = ("cp1252", "latin_1")
#: Bytes 0x80-0x9F: printable in Windows-1252 (€ ‘ ’ “ ” – …), C1 control characters in Latin-1.
C1_BYTES = re.compile(b"[\x80-\x9f]")
SHOP_CURRENCY = "EUR"


@dataclass(frozen=True)
class ReadOptions:
    """How to read text: ``encoding`` ("" detects), ``decimal``, ``thousands``, ``date_format`` ("" detects)."""

    encoding: str = ""
    decimal: str = "."
    thousands: str = ""
    date_format: str = ""
    sheet: str = ""  # the Excel sheet to read ("" the first)
    timezone: str = ""  # the shop's time zone ("" the data's own)


@dataclass
class _Raw:
    """A table as read, before any parsing, with what reading found out."""

    frame: pd.DataFrame
    source: str
    encoding: str = ""
    flags: list[Flag] = field(default_factory=list)
    layout: Layout | None = None
    currency: str = ""
    plain_text: bool = False  # words separated by spaces: refusals do not show its first line
    sheet: str = ""  # the Excel sheet read
    other_sheets: list[str] = field(default_factory=list)  # the workbook's sheets not read
    workbook: Any = None  # the Excel file (a path or bytes), to look into the other sheets


# --------------------------------------------------------------------------- files and containers


def _check_path(path: str | Path) -> Path:
    p = Path(path).expanduser()
    if not p.exists():
        raise DataError(
            "The data file does not exist.",
            source=str(p),
            fix="check the path (relative paths are read from the folder you run the command in)",
        )
    if p.is_dir():
        raise DataError(
            "The data path is a folder, not a file.",
            source=str(p),
            fix="give the path of one CSV, Parquet or Excel file",
        )
    if p.stat().st_size == 0:
        raise DataError("The data file is empty (0 bytes).", source=str(p), fix="export the data again")
    return p


def _zip_member(p: Path) -> tuple[bytes, str]:
    with zipfile.ZipFile(p) as archive:
        members = [
            m.filename
            for m in archive.infolist()
            if not m.is_dir() and not m.filename.startswith("__MACOSX/") and not Path(m.filename).name.startswith("._")
        ]
        if len(members) != 1:
            raise DataError(
                f"The zip archive holds {len(members)} files; the book reads a zip with exactly one."
                + (f" Members: {', '.join(members)}." if members else ""),
                source=str(p),
                column=", ".join(members[:10]) or None,
                fix="unpack it and give the path of the one file to read, or zip that file alone",
            )
        return archive.read(members[0]), members[0]


#: The first bytes of each container, for a compressed file whose name lost its ending.
MAGIC = {b"\x1f\x8b": "gzip", b"BZh": "bzip2", b"PK\x03\x04": "zip"}


def _container(p: Path) -> str | None:
    kind = CONTAINERS.get(p.suffix.lower())
    if kind is None and p.suffix.lower() in TEXT_SUFFIXES:
        with p.open("rb") as f:
            head = f.read(4)
        kind = next((k for magic, k in MAGIC.items() if head.startswith(magic)), None)
    return kind


def _unpack(p: Path) -> tuple[bytes, str]:
    """The bytes of the file, decompressed by its ending (or, for a text ending, its first
    bytes), and the name of the file inside."""
    kind = _container(p)
    try:
        inner = p.stem if p.suffix.lower() in CONTAINERS else p.name
        if kind == "gzip":
            return gzip.decompress(p.read_bytes()), inner
        if kind == "bzip2":
            return bz2.decompress(p.read_bytes()), inner
        if kind == "zip":
            return _zip_member(p)
    except DataError:
        raise
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile, ValueError) as exc:
        raise DataError(
            f"The file could not be unpacked as {kind}: {exc}.",
            source=str(p),
            fix=f"the download is probably incomplete or the file is not {kind}: download it again, "
            "or unpack it yourself and give the path of the file inside",
        ) from None
    return p.read_bytes(), p.name


# --------------------------------------------------------------------------- encodings


def _codec_name(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return {"iso8859-1": "latin-1"}.get(name, name)


def _line_of(raw: bytes, position: int) -> int:
    return raw.count(b"\n", 0, position) + 1


def _reads_as_text(text: str) -> bool:
    """Bytes after a UTF-16 mark that decode to a table's text: a line break or a delimiter, or only printable
    Latin letters; not the run of CJK characters that Windows-1252 text decoded as UTF-16 gives."""
    if not text:
        return False
    return any(c in text for c in "\n\r,;\t|") or all(c.isprintable() and ord(c) < 0x250 for c in text)


def _text_codec(encoding: str, source: str) -> None:
    """Refuse, as a parameter error, an ``encoding`` that is no codec or no text encoding (rot13, base64, zip)."""
    try:
        info = codecs.lookup(encoding)
        ok = getattr(info, "_is_text_encoding", True)
    except LookupError:
        ok = False
    if not ok:
        raise DataError(
            f"encoding {encoding!r} is not a text encoding Python can decode a file with.",
            source=source,
            parameter="encoding",
            fix='set encoding: "" to detect it, or give a text encoding such as utf-8, cp1252 or latin-1',
        )


def _codec_width(encoding: str) -> int:
    """Bytes a character takes at least: 2 for UTF-16, 4 for UTF-32, else 1."""
    name = codecs.lookup(encoding).name if encoding else ""
    return 2 if name.startswith("utf-16") else 4 if name.startswith("utf-32") else 1


def decode(raw: bytes, encoding: str = "", *, source: str = "<bytes>") -> tuple[str, str]:
    """Text and the name of its encoding.

    With ``encoding`` given, that codec (strictly). Otherwise a byte-order mark
    decides (UTF-8, or UTF-16 when what follows reads as a table's text: "þÿ" at
    the start of a Windows-1252 file is also UTF-16's mark); valid UTF-8 is UTF-8 (ASCII included), also when
    the bytes end inside a character (a cut download, whose last line is then
    dropped as cut); anything
    else is identified by charset-normalizer among Windows-1252 and Latin-1;
    bytes 0x80-0x9F (``€`` is 0x80 in Windows-1252) are control characters in
    Latin-1 that no text holds, so when they occur Windows-1252 is tried first
    and Latin-1 only if Windows-1252 cannot decode them. Bytes that
    charset-normalizer finds to be neither (binary data, another alphabet)
    raise :class:`DataError`.
    """
    if encoding:
        _text_codec(encoding, source)
    wide = _codec_width(encoding) > 1 if encoding else raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not wide:
        if b"\x00" in raw[:SNIFF_BYTES]:  # no text but UTF-16/32 holds NUL bytes: never shown, it is no table
            raise DataError(
                "The file holds binary data (NUL bytes), not text: it is not a table (CSV), and its name does not "
                "end in .parquet or .xlsx.",
                source=source,
                fix="give a CSV, Parquet or Excel file; if it is text in UTF-16 without a byte-order mark, "
                "set encoding: utf-16",
            )
    if encoding:
        try:
            return raw.decode(encoding).removeprefix("\ufeff"), _codec_name(encoding)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"The file is not valid {encoding}: byte {raw[exc.start:exc.start + 1]!r} on line "
                f"{_line_of(raw, exc.start)} cannot be decoded.",
                source=source,
                parameter="encoding",
                rows=[f"line {_line_of(raw, exc.start)}: {raw[max(exc.start - 30, 0):exc.start + 10]!r}"],
                fix='set encoding: "" to detect it, or give the file\'s real encoding (e.g. utf-8, cp1252, latin-1)',
            ) from None
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            try:
                text = raw.decode(name).removeprefix("\ufeff")
            except UnicodeDecodeError as exc:
                if exc.reason not in ("unexpected end of data", "truncated data"):
                    break
                text = raw[: exc.start].decode(name).removeprefix("\ufeff")
            if name == "utf-8-sig" or _reads_as_text(text):
                return text, name
            break  # "þÿ" or "ÿþ" at the start of a Windows-1252 / Latin-1 file look like a UTF-16 mark
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # a download cut inside a character, after text that is UTF-8 beyond ASCII: the rest is UTF-8
        if exc.reason == "unexpected end of data" and max(raw[: exc.start], default=0) >= 0x80:
            return raw[: exc.start].decode("utf-8"), "utf-8"
    candidates = [m.encoding for m in from_bytes(raw, cp_isolation=list(DETECTED_ENCODINGS))]
    if candidates and C1_BYTES.search(raw):  # Latin-1 would read them as invisible control characters
        candidates.sort(key=lambda name: name != "cp1252")
    for name in candidates:
        try:
            return raw.decode(name), _codec_name(name)
        except UnicodeDecodeError:
            continue
    raise DataError(
        "The file is not text in UTF-8, Windows-1252 or Latin-1 (it may be binary, or text in another encoding).",
        source=source,
        fix="give its encoding with the encoding parameter (e.g. encoding: cp1250), or export it again as UTF-8 CSV",
    )


# --------------------------------------------------------------------------- delimited text


def _sniff(sample: str, decimal: str = ".") -> tuple[str, bool]:
    """Return (separator, has_header) for a text sample.

    Whitespace-separated files (CDNOW) get the regex separator ``\\s+``.
    A first line made only of numbers means there is no header (MovieLens).
    With decimal commas, a semicolon in the header wins over the comma.
    """
    lines = [ln for ln in sample.splitlines() if ln.strip()][:50]
    if not lines:
        return ",", True
    first = lines[0]
    try:
        sep = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|").delimiter
    except csv.Error:
        sep = None
    if decimal == "," and sep in (",", None) and ";" in first:
        sep = ";"
    if sep is None or sep not in first:
        sep = r"\s+" if len(first.split()) > 1 else ","
    tokens = first.split() if sep == r"\s+" else first.split(sep)
    has_header = not all(_is_number(t.strip().strip('"')) for t in tokens if t.strip())
    return sep, has_header


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _fields(record: str, sep: str) -> tuple[int, bool]:
    """(number of fields, whether the record ends outside quotes) of one record of the file."""
    if sep == r"\s+":
        return len(record.split()), True
    try:
        return len(next(csv.reader(io.StringIO(record), delimiter=sep, strict=True), [])), True
    except csv.Error:  # a quoted field still open at the end: the record was cut inside it
        return len(next(csv.reader(io.StringIO(record), delimiter=sep), [])), False


#: Lines a quoted field may span when looking for where the last record starts.
MAX_RECORD_LINES = 50


def _record_start(body: str, pos: int) -> int:
    """Where the record holding the line that starts at ``pos`` begins: a line that starts inside
    a quoted field (an odd number of quotes before it) belongs to the record above it."""
    quotes, start = body.count('"', 0, pos), pos
    for _ in range(MAX_RECORD_LINES):
        if quotes % 2 == 0 or start == 0:
            return start
        above = body.rfind("\n", 0, start - 1) + 1
        quotes -= body.count('"', above, start)
        start = above
    return pos  # stray quotes (12" PIZZA) upset the count: take the line as the record


def _last_records(text: str) -> tuple[str, str, str, int] | None:
    """(text before the last record, the record before it, the last record, the last record's line
    number), or None for a file of one record. Records are lines, except that a quoted field may
    hold line breaks."""
    body = text.rstrip("\r\n")
    start = _record_start(body, body.rfind("\n") + 1)
    if start == 0:
        return None
    above = _record_start(body, body.rfind("\n", 0, start - 1) + 1)
    last, before = body[start:].rstrip("\r"), body[above : start - 1].rstrip("\r")
    if not last.strip() or not before.strip():
        return None
    return body[:start], before, last, body.count("\n", 0, start) + 1


def _check_last_line(text: str, sep: str) -> tuple[str, list[Flag]]:
    """Drop a last record whose field count differs from the record before it, or that ends inside
    a quoted field (a file cut mid-line); flag, and keep, a last record that is complete in fields
    but has no line break after it (it may be cut inside its last field)."""
    found = _last_records(text)
    if found is None:
        return text, []
    head, before, last, line = found
    shown = [f"line {line}: {last if len(last) <= 60 else last[:57] + '...'!r}"]
    (n_last, closed), (n_before, _) = _fields(last, sep), _fields(before, sep)
    if n_last != n_before or not closed:
        why = (
            f"the last line has {n_last} fields where the line before has {n_before}"
            if n_last != n_before
            else "the last line ends inside a quoted field"
        )
        message = (
            f"{why}: the file was probably cut off mid-line (an interrupted download or export); "
            "dropped, export the file again to get it whole"
        )
        return head, [Flag("truncated_line", "all columns", 1, shown, "dropped", message)]
    if not text.endswith(("\n", "\r")):
        message = (
            "the file does not end with a line break, as a complete export does: its last line may be cut "
            "short inside its last field; kept, check that line or export the file again"
        )
        return text, [Flag("unterminated_line", "all columns", 1, shown, "kept", message)]
    return text, []


def _parse(text: str, sep: str, has_header: bool, **kwargs) -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO(text),
        sep=sep,
        header=0 if has_header else None,
        dtype=str,
        keep_default_na=True,
        engine="python" if sep == r"\s+" else "c",
        skipinitialspace=True,
        **kwargs,
    )


def _more_fields_than_names(df: pd.DataFrame, text: str, sep: str, name: str) -> DataError:
    lines = [ln.rstrip("\r") for ln in text.splitlines()[:4]]
    extra = df.index.nlevels
    return DataError(
        f"The lines have {extra} more field{'s' if extra > 1 else ''} than the header has names: "
        "read as they are, the columns would shift.",
        source=name,
        column=", ".join(map(str, df.columns)),
        rows=[f"line {i + 1}: {ln[:80]!r}" for i, ln in enumerate(lines)],
        fix="a value probably holds the separator without quotes (a decimal comma or a thousands separator "
        "in a comma-separated file, a comma in a name): quote such values or export with ';' or a tab as the "
        "separator (then set decimal: ',' if need be); or add the missing names to the header",
    )


#: The fewest fields a line of a transaction log has (customer, product, date).
MIN_FIELDS = 3
#: Lines above the header that a title block may take (a report's name, an export date, blank lines).
MAX_TITLE_LINES = 10


def _title_rows(sample: str) -> tuple[int, int] | None:
    """``(title lines, fields)`` when the first lines of a delimited file have at most half the fields of
    every line from some line on (at most :data:`MAX_TITLE_LINES` down): title rows above the header;
    else None. (A header one name short is another problem: see :func:`_more_fields_than_names`.)"""
    lines = sample.splitlines()[:60]
    if len(lines) < 3:
        return None
    lines = lines[:-1]  # the last line may be cut (a short file, or the end of the sample)
    per_sep = {}
    for sep in (",", ";", "\t", "|"):
        try:
            per_sep[sep] = [len(row) if any(f.strip() for f in row) else 0 for row in csv.reader(lines, delimiter=sep)]
        except csv.Error:
            continue
    if any(len(set(counts)) == 1 and counts[0] >= 2 for counts in per_sep.values()):
        return None  # one separator splits every line alike, the first included: a header on the first row
    for counts in per_sep.values():
        for k in range(1, min(MAX_TITLE_LINES, len(counts) - 2) + 1):
            body = counts[k:]
            m = body[0]
            if m >= 3 and all(c == m for c in body) and all(c <= max(1, m // 2) for c in counts[:k]):
                return k, m
    return None


def _one_field(name: str) -> DataError:
    return DataError(
        f"The file is not a table of orders: its first line has one field, no comma, semicolon, tab or | between "
        f"values (a log has at least {MIN_FIELDS} columns: a customer, a product and a date).",
        source=name,
        fix="give the CSV export of the orders (one line per order line, a header naming the columns), "
        "or a Parquet or Excel file",
    )


def _read_text(payload: bytes, name: str, options: ReadOptions) -> tuple[pd.DataFrame, str, list[Flag]]:
    text, encoding = decode(payload, options.encoding, source=name)
    if not text.strip():
        raise DataError("The data file has no rows.", source=name, fix="export the data again")
    title = _title_rows(text[:SNIFF_BYTES])
    if title:
        k, m = title
        raise DataError(
            f"The header is probably not on the first row: the first {k} line{'s have' if k > 1 else ' has'} fewer "
            f"fields than the {m} of every line below {'them' if k > 1 else 'it'} (title rows above the header).",
            source=name,
            rows=[f"line {k + 1} is the first with {m} fields"],
            fix=f"delete the {k} line{'s' if k > 1 else ''} above the header, so that the first line names the columns",
        )
    sep, has_header = _sniff(text[:SNIFF_BYTES], options.decimal)
    text, flags = _check_last_line(text, sep)
    df = _parse(text, sep, has_header)
    if not isinstance(df.index, pd.RangeIndex):  # pandas took the extra leading fields as an index
        if df.shape[1] == 1:  # a first line without a separator above lines with some: prose, not a table
            raise _one_field(name)
        rows = [ln.rstrip("\r") for ln in text.splitlines()[1:] if ln.strip()]
        if sep == r"\s+" or not all(ln.endswith(sep) for ln in rows):
            raise _more_fields_than_names(df, text, sep, name)
        df = _parse(text, sep, has_header, index_col=False)  # a separator closes every line: no field there
    if df.shape[1] == 1:  # no separator at all: said without its content, the file may be anything (a system file)
        raise _one_field(name)
    if not has_header:
        df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
    elif sep == r"\s+":  # a header of words separated by spaces: maybe no table at all, its words are not shown
        df.attrs["plain_text"] = True
    return df, encoding, flags


@dataclass
class _Sheets:
    """Which sheet of a workbook was read, the others, and the workbook (for a refusal's hint)."""

    read: str = ""
    others: list[str] = field(default_factory=list)
    workbook: Any = None


def _read_excel(source: Path | io.BytesIO, name: str, sheet: str) -> tuple[pd.DataFrame, _Sheets]:
    """The sheet ``sheet`` ("" the first) of a workbook, with the names of the sheets it did not read."""
    with pd.ExcelFile(source) as book:
        names = [str(n) for n in book.sheet_names]
        if sheet and sheet not in names:
            close = difflib.get_close_matches(sheet, names, n=1)
            raise DataError(
                f"The workbook has no sheet {sheet!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
                + f"; its sheets: {', '.join(map(repr, names))}.",
                source=name,
                parameter="sheet",
                fix=f"set sheet to one of them, e.g. sheet: {json.dumps(close[0] if close else names[0])}",
            )
        chosen = sheet or names[0]
        frame = pd.read_excel(book, sheet_name=chosen, dtype=object)
    if isinstance(source, io.BytesIO):
        source.seek(0)
    return frame, _Sheets(chosen, [n for n in names if n != chosen], source)


def _not_a_workbook(name: str, sheet: str) -> DataError:
    return DataError(
        f"sheet is set ({sheet!r}), but the file is not an Excel workbook: it has no sheets.",
        source=name,
        parameter="sheet",
        fix='set sheet: "" (the default) for a CSV or Parquet file',
    )


def _read_frame(p: Path, options: ReadOptions) -> tuple[pd.DataFrame, str, list[Flag], str, _Sheets]:
    """(raw table, encoding, reading flags, inner file ending, sheets) of a file or of the file inside its container."""
    suffix = p.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        if options.sheet:
            raise _not_a_workbook(str(p), options.sheet)
        return pd.read_parquet(p), "", [], suffix, _Sheets()
    if suffix in EXCEL_SUFFIXES:
        frame, sheets = _read_excel(p, str(p), options.sheet)
        return frame, "", [], suffix, sheets
    payload, inner = _unpack(p)
    inner_suffix = Path(inner).suffix.lower()
    if options.sheet and inner_suffix not in EXCEL_SUFFIXES:
        raise _not_a_workbook(str(p), options.sheet)
    if inner_suffix in PARQUET_SUFFIXES:
        return pd.read_parquet(io.BytesIO(payload)), "", [], inner_suffix, _Sheets()
    if inner_suffix in EXCEL_SUFFIXES:
        frame, sheets = _read_excel(io.BytesIO(payload), str(p), options.sheet)
        return frame, "", [], inner_suffix, sheets
    return *_read_text(payload, str(p), options), inner_suffix, _Sheets()


def _not_a_known_table(name: str, fields: int) -> DataError:
    """Words separated by spaces under a line that is no known header: maybe no table at all (a system
    file, notes), so nothing of it is shown."""
    return DataError(
        f"The file is not a known table: its {fields} fields a line are separated by spaces, and its first line "
        "is no header of a known layout (CDNOW and MovieLens files have no header).",
        source=name,
        fix="give the CSV export of the orders with a header naming the columns (separated by a comma, a "
        "semicolon, a tab or |), then a mapping if its names are not a known layout's",
    )


def _read_file(path: str | Path, options: ReadOptions) -> _Raw:
    """Read a file (any container) into a raw table of text or native columns."""
    p = _check_path(path)
    name = str(p)
    try:
        df, encoding, flags, _, sheets = _read_frame(p, options)
    except DataError:
        raise
    except (ValueError, OSError, ImportError, pd.errors.ParserError) as exc:
        inner = Path(p.stem if p.suffix.lower() in CONTAINERS else p.name).suffix.lower()
        kind = {**dict.fromkeys(PARQUET_SUFFIXES, "Parquet"), **dict.fromkeys(EXCEL_SUFFIXES, "Excel")}
        raise DataError(
            f"The file could not be read as {kind.get(inner, 'delimited text')}: {exc}",
            source=name,
            fix="check that the file is a complete CSV, Parquet or Excel export and that its ending "
            "(.csv, .parquet, .xlsx, .csv.gz, .zip) matches its content",
        ) from None
    if df.empty and df.attrs.get("plain_text"):
        raise _not_a_known_table(name, df.shape[1])
    if df.empty:
        cut = [f for f in flags if f.rule == "truncated_line"]
        raise DataError(
            "The data file has a header but no rows" + (": its only line was cut off mid-line." if cut else "."),
            source=name,
            rows=cut[0].rows if cut else None,
            fix="export the data again",
        )
    df.columns = [str(c).strip() for c in df.columns]
    plain_text = bool(df.attrs.pop("plain_text", False))
    return _Raw(df, name, encoding, flags, plain_text=plain_text, sheet=sheets.read, other_sheets=sheets.others,
                workbook=sheets.workbook)  # fmt: skip


def read_table(path: str | Path, options: ReadOptions | None = None) -> pd.DataFrame:
    """Read a CSV/TSV/whitespace text file, a Parquet file or an Excel sheet (also inside .gz/.bz2/.zip).

    Every column is read as text or its native Parquet/Excel type; parsing into
    numbers and dates happens in :func:`analysis.data.canonical.to_canonical`,
    where a failure can name its column.
    """
    raw = _read_file(path, options or ReadOptions())
    raw.frame.attrs["plain_text"] = raw.plain_text  # words separated by spaces: a refusal shows none of them
    return raw.frame


# --------------------------------------------------------------------------- front door


def _source(source: Any, options: ReadOptions, n_customers: int, seed: int, history_days: int = 0) -> _Raw:
    if isinstance(source, pd.DataFrame):
        return _Raw(source, "<DataFrame>")
    src = source_of(source, n_customers, seed, history_days)
    if src.is_shop:  # a shallow copy: the simulated shop is kept for the chapters' truth (copy on write)
        frame = src.shop().transactions.copy(deep=False)
        return _Raw(frame, src.name, layout=LAYOUTS["canonical"], currency=SHOP_CURRENCY)
    return _read_file(src.path, options)


def _with_reading(report: DataReport, raw: _Raw, currency: str, notes: ParseNotes) -> DataReport:
    """Add what reading and parsing found (encoding, sheets, a cut-off last line, ids written as
    floats, time zones) to the report of the cleaning."""
    cut = sum(f.count for f in raw.flags if f.rule == "truncated_line")
    dropped = {"truncated_line": cut, **report.dropped} if cut else report.dropped
    return replace(
        report,
        rows_read=report.rows_read + cut,
        dropped=dropped,
        flags=[*raw.flags, *_id_flags(notes), *report.flags],
        encoding=raw.encoding,
        currency=currency,
        sheet=raw.sheet,
        other_sheets=list(raw.other_sheets),
        ids_rewritten=dict(notes.ids_rewritten),
        timezone=notes.timezone,
    )


def _id_flags(notes: ParseNotes) -> list[Flag]:
    """A flag for each id column that writes one id both as an integer and as an integral float."""
    flags = []
    for column, ids in notes.ids_merged.items():
        n = notes.ids_rewritten[column]
        message = (
            f"{n:,} {column} cells are written as integral floats (such as {ids[0]}.0) in a column that also "
            f"writes them as integers ({ids[0]}): read as the integer, so each is one id, not two: kept"
        )
        flags.append(Flag("id_written_two_ways", column, n, [f"{column} {i} and {i}.0" for i in ids], "kept", message))
    return flags


#: Rules a parameter turns off, and the setting that does it (for the refusal of data that a rule empties).
RULE_PARAMETERS = {
    "before_min_date": 'min_date: ""',
    "non_product": "drop_non_product: false",
    "duplicate": "drop_duplicates: false",
    "extreme_quantity": "drop_outliers: false",
    "extreme_price": "drop_outliers: false",
    "cancelled_original": "net_cancellations: false",
}


def _nothing_left(report: DataReport, table: pd.DataFrame) -> DataError:
    """Every row was dropped: the rule that dropped most, and the parameter that would keep them when
    there is one that would (never one that only moves the refusal to the next rule)."""
    worst = max(report.dropped, key=report.dropped.get)
    fix = RULE_PARAMETERS.get(worst)
    why = ""
    if worst == "after_max_date":
        last = table[S.TIMESTAMP].max()
        fix = f"max_date: {last:%Y-%m-%d}" if pd.notna(last) else None
        why = " (every date is after max_date, by default the day of the run)"
    elif worst == "cancellation":
        prefix = report.rules.get("cancellation_prefix")
        returns = bool((table[S.QUANTITY] < 0).mean() > 0.5)
        if returns:
            why = f": the file holds only cancellations or returns (order ids starting with {prefix!r}, negative quantities)"
        else:
            fix = 'cancellation_prefix: ""'
            why = f" (every order id starts with {prefix!r}, the mark of a cancelled order in the UCI data)"
    elif worst == "non_positive_quantity":
        why = ": every quantity is 0 or less, as in a file of returns"
    elif worst == "missing_customer":
        why = ": the customer id is empty on every row"
    problem = (
        f"Cleaning dropped every row: of {report.rows_read:,} rows, the rule {worst!r} dropped "
        f"{report.dropped[worst]:,}{why}."
    )
    if fix:
        advice = f"if those rows are valid sales, set {fix} in the parameters file"
    elif worst in ("cancellation", "non_positive_quantity"):
        advice = "the book analyses sales: give the file of orders (sales), not of returns"
    else:
        advice = "check that the right columns are mapped (mapping: order_id: ..., customer_id: ...)"
    return DataError(
        problem,
        source=report.source,
        column=", ".join(f"{rule}: {n:,}" for rule, n in report.dropped.items() if n),
        rows=[str(f) for f in report.flags[:3]],
        fix=advice,
    )


def _other_sheet_hint(err: DataError, raw: _Raw, mapping: Mapping[str, str] | None) -> DataError:
    """A refusal of a workbook's sheet, naming the workbook's other sheets and the one that fits a layout."""
    fits = []
    for name in raw.other_sheets:
        try:
            head = pd.read_excel(raw.workbook, sheet_name=name, nrows=5, dtype=object)
            if isinstance(raw.workbook, io.BytesIO):
                raw.workbook.seek(0)
            head.columns = [str(c).strip() for c in head.columns]
            if mapping:
                ok = set(mapping.values()) <= set(head.columns)
            else:
                detect_layout(head)
                ok = True
        except (DataError, ValueError, OSError):
            ok = False
        if ok:
            fits.append(name)
    sheets = ", ".join(map(repr, [raw.sheet, *raw.other_sheets]))
    problem = f"{err.problem} (This is the sheet {raw.sheet!r} of a workbook with the sheets {sheets}.)"
    if fits:
        fix = f"set sheet: {json.dumps(fits[0])} (its columns fit) in the parameters file"
    else:
        fix = f"set sheet to the sheet that holds the orders (one of {sheets}), or {err.fix}"
    return DataError(problem, source=err.source, column=err.column, parameter="sheet", rows=err.rows, fix=fix)


def _load(
    source: Any,
    *,
    options: ReadOptions,
    mapping: Mapping[str, str] | None,
    rules: CleaningRules | None,
    overrides: Mapping[str, object] | None,
    n_customers: int,
    seed: int,
    currency: str = "",
    history_days: int = 0,
) -> tuple[pd.DataFrame, DataReport]:
    raw = _source(source, options, n_customers, seed, history_days)
    name = raw.source
    if raw.frame.empty:
        raise DataError("The table has no rows.", source=name, fix="pass a table with at least one order line")
    try:
        table, layout, unparsed, notes = canonical_table(
            raw.frame, raw.layout, mapping=mapping, source=name, date_format=options.date_format or None,
            decimal=options.decimal, thousands=options.thousands, timezone=options.timezone,
        )  # fmt: skip
    except DataError as err:
        if raw.other_sheets and err.parameter is None:
            raise _other_sheet_hint(err, raw, mapping) from None
        if raw.plain_text and not mapping:
            raise _not_a_known_table(name, raw.frame.shape[1]) from None
        raise
    if rules is None:
        rules = CleaningRules.from_mapping({**layout.rule_defaults, **(overrides or {})})
    validate_transactions(table, source=name, rules=rules, kind=layout.kind, raw=unparsed)
    cleaned, report = clean(
        table, rules=rules, source=name, layout=layout.name, kind=layout.kind,
        duplicate_of=exact_duplicates(raw.frame), columns=layout.columns, raw=unparsed,
    )  # fmt: skip
    report = _with_reading(report, raw, currency or raw.currency or layout.currency, notes)
    off = {rule: why for rule, why in layout.rules_off.items() if getattr(rules, rule, None) is False}
    report = replace(report, rules_off=off)
    report = _with_left_out(report, layout)
    if report.rows_kept == 0:
        raise _nothing_left(report, table)
    return cleaned, report


def _with_left_out(report: DataReport, layout: Layout) -> DataReport:
    """The columns the mapping left out (``filled``), whether there is money (``has_money``), and the rules
    that stand down without prices or order ids (``rules_off``, with why)."""
    if not layout.filled:
        return replace(report, has_money=layout.kind == "transactions")
    off = {**report.rules_off, **{r: why for r, why in layout.rules_off.items() if r not in report.rules_off}}
    return replace(report, has_money=layout.kind == "transactions", filled=dict(layout.filled), rules_off=off)


def load_transactions(
    source: str | Path | pd.DataFrame = "shop",
    *,
    mapping: Mapping[str, str] | None = None,
    rules: CleaningRules | None = None,
    overrides: Mapping[str, object] | None = None,
    date_format: str | None = None,
    n_customers: int = 3000,
    seed: int = 0,
    encoding: str = "",
    decimal: str = ".",
    thousands: str = "",
    currency: str = "",
    sheet: str = "",
    timezone: str = "",
    shop_history_days: int = 0,
) -> tuple[pd.DataFrame, DataReport]:
    """Read, validate and clean a transaction log; return (table, report).

    ``source``: a file path, a DataFrame, ``"shop"`` (the built-in shop, sized by
    ``n_customers`` and ``seed``) or ``"cdnow"`` (the CDNOW master file).
    ``date_format``: strftime codes for the timestamps when detection cannot
    tell (day-first or month-first). ``rules``: the cleaning rules; when omitted,
    :class:`CleaningRules` defaults with the detected layout's own adjustments
    (``Layout.rule_defaults``) and then ``overrides`` (a mapping of rule name ->
    value) on top. ``sheet``: the Excel sheet ("" the first); ``timezone``: the
    shop's time zone, to which timestamps with a zone or an offset are converted
    ("" keeps the data's own); ``shop_history_days``: the built-in shop traded that many days before its log
    starts (a log that begins mid-history). :func:`load_data` is the same with checked parameters.
    """
    options = ReadOptions(encoding=encoding, decimal=decimal, thousands=thousands, date_format=date_format or "",
                          sheet=sheet, timezone=timezone)  # fmt: skip
    return _load(source, options=options, mapping=mapping, rules=rules, overrides=overrides,
                 n_customers=n_customers, seed=seed, currency=currency, history_days=shop_history_days)  # fmt: skip


def rule_overrides(params: DataParams) -> dict[str, object]:
    """The cleaning rules the data parameters set (on top of the layout's defaults)."""
    return {
        "duplicates": params.drop_duplicates,
        "drop_non_product": params.drop_non_product,
        "min_date": params.min_date or None,
        "cancellation_prefix": params.cancellation_prefix or None,
        "max_date": params.max_date or None,
        "outlier_threshold": params.outlier_threshold,
        "drop_outliers": params.drop_outliers,
        "net_cancellations": params.net_cancellations,
    }


def load_data(params: DataParams | Mapping[str, Any]) -> tuple[pd.DataFrame, DataReport]:
    """Read, validate and clean the data the parameters name; return (table, report).

    ``params`` is a :class:`DataParams` or a mapping (a notebook's globals, a
    parameters file); keys that are not data parameters are ignored, values
    are checked (:class:`DataError` naming the parameter). The report carries
    the encoding, the currency (``currency`` or the layout's), exact duplicate
    lines, and a :class:`Flag` for every rule that found rows.
    """
    p = data_params(params)
    files = handoff.slot(p)  # None outside the runner's build
    if files is not None and not handoff.wait():  # the runner reads while the kernel starts
        raise DataError("The book's runner could not read or check these data; its message says why.",
                        source=str(p.data), fix="read the error the build printed, and fix what it names")
    handed = handoff.read(files)  # the runner's read of the same data with the same parameters (a chapter's kernel)
    if handed is not None:
        return handed
    options = ReadOptions(encoding=p.encoding, decimal=p.decimal, thousands=p.thousands, date_format=p.date_format,
                          sheet=p.sheet, timezone=p.timezone)  # fmt: skip
    table, report = _load(p.data, options=options, mapping=p.mapping or None, rules=None,
                          overrides=rule_overrides(p), n_customers=p.shop_customers, seed=p.seed,
                          currency=p.currency, history_days=p.shop_history_days)  # fmt: skip
    handoff.write(files, table, report)  # only while the runner executes chapters (ANALYSIS_HANDOFF)
    return table, report
