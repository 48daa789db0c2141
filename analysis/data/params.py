"""The data parameters every chapter that reads a transaction log takes.

:class:`DataParams` is a pydantic model: each value is checked (type, range and
relations between values) before anything is read, and an unknown name is
refused. :func:`data_params` turns a mapping (a notebook's globals, a YAML file)
into checked parameters and a pydantic error into a :class:`DataError` in the
user's words.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import zoneinfo
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, ClassVar, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from analysis import schema as S
from analysis._checks import check_day
from analysis.data.refusals import check_params
from analysis.data.source import Source, source_of
from analysis.errors import DataError

__all__ = ["DATA_PARAM_MEANINGS", "DataParams", "data_params"]

DECIMALS = (".", ",")
THOUSANDS = ("", ",", ".", " ", "'")
MAPPABLE = S.TRANSACTION_REQUIRED + S.TRANSACTION_OPTIONAL
#: Sales dated before this day are not plausible in a shop's log (a 1900 date is a spreadsheet's empty cell).
DEFAULT_MIN_DATE = "1990-01-01"
#: The largest seed NumPy and scikit-learn take (their seeds are unsigned 32-bit integers).
MAX_SEED = 2**32 - 1
#: Memory a chapter needs per customer of the built-in shop, with room to spare: the log alone takes about
#: 10 KB a customer (30,000 customers: 633,360 lines, 520 MB at its peak); a chapter holds it, its derived
#: tables and its models at once.
SHOP_BYTES_PER_CUSTOMER = 50_000


def _memory_bytes() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - a system without sysconf
        return 8 * 1024**3


#: The most customers of the built-in shop this machine holds: half its memory at SHOP_BYTES_PER_CUSTOMER each.
MEMORY_BYTES = _memory_bytes()
MAX_SHOP_CUSTOMERS = max(50, MEMORY_BYTES // 2 // SHOP_BYTES_PER_CUSTOMER)
SHOP_CUSTOMERS_RULE = (
    f"a whole number from 50 to {MAX_SHOP_CUSTOMERS:,} (what this machine holds: half of its "
    f"{MEMORY_BYTES / 1024**3:.0f} GB of memory at about {SHOP_BYTES_PER_CUSTOMER // 1000} KB a customer)"
)

#: One line per parameter: what it means, for tables and error messages.
DATA_PARAM_MEANINGS: dict[str, str] = {
    "data": '"shop", "cdnow", or a path (CSV/TSV/TXT, Parquet, Excel; .gz/.bz2/.zip)',
    "seed": "random seed: the built-in shop and every random step",
    "shop_customers": "customers in the built-in shop",
    "shop_history_days": "days the built-in shop traded before its log starts (0 starts the log with the shop; "
    "more gives a log that begins mid-history, its customers' earlier purchases known to the truth)",
    "mapping": "column mapping for an unknown layout (canonical name: your column)",
    "encoding": '"" detects the text encoding; else a Python codec name such as cp1252',
    "date_format": '"" detects; else a strftime format, e.g. "%d/%m/%Y %H:%M"',
    "decimal": 'decimal mark in numbers: "." or ","',
    "thousands": "thousands separator: \"\", \",\", \".\", \" \" or \"'\" (must differ from decimal)",
    "drop_duplicates": "drop exact duplicate lines (they are always counted)",
    "drop_non_product": "drop the lines that are not products (postage, carriage, fees, discounts, manual "
    "adjustments, samples, gift vouchers, test codes; found by code and description, always counted per code)",
    "min_date": 'ISO date; earlier rows are flagged and dropped (default 1990-01-01: earlier dates are not plausible '
    'sales; "" none)',
    "max_date": 'ISO date; later rows are flagged and dropped ("": the day of the run)',
    "outlier_threshold": "robust z (|x - median| / (1.4826 MAD)) above which a quantity or unit price is flagged",
    "drop_outliers": "drop the flagged extreme lines instead of only flagging them",
    "currency": 'ISO 4217 code such as GBP; "": from the layout',
    "sheet": 'the Excel sheet to read ("" the first; the data report names the others)',
    "timezone": 'the shop\'s time zone (IANA name such as Europe/London): timestamps with a zone or an offset are '
    'converted to it ("" keeps the data\'s own zone)',
    "cancellation_prefix": 'order ids starting with this text are cancellations and dropped ("C" as in the UCI data; '
    '"" none)',
    "net_cancellations": "also drop the earlier lines that a dropped cancellation cancels "
    "(same customer, product and quantity; they are always counted)",
    "engine": 'where the derived tables are computed: "duckdb" on this machine, or "spark" by Apache Spark '
    "(local mode, or the session spark-submit started); with spark the recommendations chapter also fits "
    "Spark MLlib's implicit ALS",
}


def _iso_day(name: str, value: str) -> str:
    """A day written YYYY-MM-DD (the shared rule of :func:`analysis._checks.check_day`), or ""."""
    value = value.strip()
    if value:
        try:
            check_day(name, value)
        except DataError as err:
            raise ValueError(f"{name} must be a date YYYY-MM-DD such as 2011-12-31, got {value!r} ({err.problem})") from None
    return value


class DataParams(BaseModel):
    """Which data to read and how to read and clean it (see :data:`DATA_PARAM_MEANINGS`)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    #: what each field means, for the parameters table and the refusals (analysis.data.refusals)
    MEANINGS: ClassVar[dict[str, str]] = DATA_PARAM_MEANINGS

    data: str = "shop"
    seed: int = Field(0, ge=0, le=MAX_SEED)
    shop_customers: int = Field(3000, ge=50, le=MAX_SHOP_CUSTOMERS, json_schema_extra={"allowed": SHOP_CUSTOMERS_RULE})
    shop_history_days: int = Field(0, ge=0, le=730)
    mapping: dict[str, str] = Field(default_factory=dict)
    encoding: str = ""
    date_format: str = ""
    decimal: str = "."
    thousands: str = Field("", validate_default=True)
    drop_duplicates: bool = False
    drop_non_product: bool = False
    min_date: str = DEFAULT_MIN_DATE
    max_date: str = Field("", validate_default=True)
    outlier_threshold: float = Field(50.0, gt=0, allow_inf_nan=False)
    drop_outliers: bool = False
    currency: str = ""
    net_cancellations: bool = False
    sheet: str = ""
    timezone: str = ""
    cancellation_prefix: str = "C"
    engine: Literal["duckdb", "spark"] = "duckdb"

    @property
    def source(self) -> Source:
        """What ``data`` names, resolved once (:class:`analysis.data.source.Source`)."""
        return source_of(self.data, self.shop_customers, self.seed, self.shop_history_days)

    @field_validator("seed", "shop_customers", "outlier_threshold", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"must be a number, not {value!r}")
        return value

    @field_validator("shop_customers", mode="before")
    @classmethod
    def _shop_size(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SHOP_CUSTOMERS:
            raise ValueError(f"shop_customers must be {SHOP_CUSTOMERS_RULE}, got {value:,}")
        return value

    @field_validator("data")
    @classmethod
    def _data(cls, value: str) -> str:
        if not value.strip():
            raise ValueError('data must be "shop", "cdnow" or the path of a file, got an empty text')
        return value.strip()

    @field_validator("mapping")
    @classmethod
    def _mapping(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(MAPPABLE))
        if unknown:
            raise ValueError(f"mapping names unknown canonical columns {unknown}; map only: {', '.join(MAPPABLE)}")
        empty = sorted(k for k, v in value.items() if not str(v).strip())
        if empty:
            raise ValueError(f"mapping gives no file column for {empty}")
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        if value:
            try:
                codecs.lookup(value)
                "a".encode(value)  # rot13, base64, zlib: codecs Python knows, but not text encodings
            except LookupError:
                raise ValueError(
                    f"encoding {value!r} is not a codec Python knows for text (e.g. utf-8, cp1252, latin-1)"
                ) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                close = difflib.get_close_matches(value, sorted(zoneinfo.available_timezones()), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise ValueError(
                    f"timezone {value!r} is not a time zone name{hint}; use an IANA name such as Europe/London, "
                    'America/New_York or UTC, or "" to keep the data\'s own zone'
                ) from None
        return value

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value: str) -> str:
        if value:
            if "%" not in value:
                raise ValueError(f"date_format must use strftime codes such as %d/%m/%Y %H:%M, got {value!r}")
            try:
                sample = datetime(2011, 12, 31, 23, 59, 58, tzinfo=timezone.utc).strftime(value)
                pd.to_datetime(pd.Series([sample]), format=value)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"date_format {value!r} is not a usable strftime format ({exc})") from None
        return value

    @field_validator("decimal")
    @classmethod
    def _decimal(cls, value: str) -> str:
        if value not in DECIMALS:
            raise ValueError(f'decimal must be "." or ",", got {value!r}')
        return value

    @field_validator("thousands")
    @classmethod
    def _thousands(cls, value: str, info: ValidationInfo) -> str:
        if value not in THOUSANDS:
            raise ValueError(f"thousands must be one of {', '.join(repr(t) for t in THOUSANDS)}, got {value!r}")
        if value and value == info.data.get("decimal"):
            raise ValueError(f"thousands and decimal must differ, both are {value!r}")
        return value

    @field_validator("min_date", "max_date")
    @classmethod
    def _day(cls, value: str, info: ValidationInfo) -> str:
        value = _iso_day(info.field_name, value)
        low = info.data.get("min_date") if info.field_name == "max_date" else None
        if low:
            end = pd.Timestamp(value) if value else pd.Timestamp.today().normalize()
            if pd.Timestamp(low) >= end:
                raise ValueError(
                    f"max_date ({value or 'today, ' + f'{end:%Y-%m-%d}'}) must be after min_date ({low})"
                )
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code and not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"currency must be a 3-letter ISO 4217 code such as GBP, USD or EUR, got {value!r}")
        return code

    def max_day(self) -> pd.Timestamp:
        """The last allowed timestamp's day: ``max_date`` or today."""
        return pd.Timestamp(self.max_date).normalize() if self.max_date else pd.Timestamp.today().normalize()

    def min_day(self) -> pd.Timestamp | None:
        """The first allowed day, or None."""
        return pd.Timestamp(self.min_date).normalize() if self.min_date else None


def data_params(
    values: DataParams | Mapping[str, Any] | None = None, *, source: str = "parameters", ignore_extra: bool = True
) -> DataParams:
    """Checked :class:`DataParams` from a mapping, or :class:`DataError` naming each refused parameter.

    Keys that are not data parameters are ignored (a notebook may pass all its
    globals) unless ``ignore_extra`` is false, when they are refused by name.
    """
    if isinstance(values, DataParams):
        return values
    values = values.model_dump() if isinstance(values, BaseModel) else dict(values or {})
    known = {k: v for k, v in values.items() if k in DataParams.model_fields} if ignore_extra else values
    return check_params(DataParams, "", known, source=source)
