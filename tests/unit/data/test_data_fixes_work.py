"""Issue 26, point 8: every fix a refusal suggests that is a parameter setting names a parameter that
exists, and applying it makes the refusal go away.

Each case is a bad input (a file and the parameters a user gave); the refusal's ``fix`` is read the
way a user reads it: every ``name: value`` with ``name`` a parameter is a setting. The settings are
applied as a parameters file would (checked by the chapter's parameter model, values parsed as YAML),
and the data read again through the chapter's own loader.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis import DataError
from analysis.chapters import CHAPTERS, get_chapter
from analysis.chapters._base import ChapterParams, check_params, plain
from analysis.book.runner import load_chapter_data
from tests.unit.data.test_data_awkward_files import HEADER, normal_lines, write_csv

#: every parameter some chapter takes
PARAMETERS = set(ChapterParams.model_fields).union(*(c.params.model_fields for c in CHAPTERS))
#: ``name: value`` in a fix, the value as YAML writes it (quoted, or up to a space, ; , or bracket)
SETTING = re.compile(r"\b([a-z][a-z0-9_]*): (\"[^\"]*\"|'[^']*'|[^\s;,()]+)")


def settings(fix: str) -> dict:
    """The parameter settings a fix suggests (the first value of each name): ``name: value`` with ``name``
    a parameter, or a name with an underscore that must then be one (a word of prose before a colon,
    "the file: ...", is not a setting)."""
    out: dict = {}
    for name, value in SETTING.findall(fix or ""):
        if name not in PARAMETERS and "_" not in name:
            continue
        assert name in PARAMETERS, f"the fix suggests {name}: {value}, and there is no parameter {name}: {fix}"
        out.setdefault(name, plain(yaml.safe_load(value)))
    return out


def refusal(values: dict, chapter: str = "") -> DataError | None:
    """The DataError of reading the data with these parameters (None when they are read)."""
    try:
        if chapter:
            ch = get_chapter(chapter)
            load_chapter_data(check_params(ch.params, ch.name, values), ch)
        else:
            load_chapter_data(check_params(ChapterParams, "", values))
    except DataError as err:
        return err
    return None


def _lines(tmp_path, name, edit, n=60):
    rows = [ln.split(",") for ln in normal_lines(n)]
    for i, r in enumerate(rows):
        edit(i, r)
    return str(write_csv(tmp_path / name, [",".join(r) for r in rows]))


def _set(column: int, value):
    def edit(i, r):
        r[column] = value(i, r) if callable(value) else value

    return edit


def _excel(tmp_path, first: str):
    path = tmp_path / "book.xlsx"
    orders = pd.DataFrame([ln.split(",") for ln in normal_lines(60)], columns=HEADER.split(","))
    with pd.ExcelWriter(path) as writer:
        if first == "Summary":
            pd.DataFrame({"Month": ["Jan"], "Total": [3]}).to_excel(writer, sheet_name="Summary", index=False)
        orders.to_excel(writer, sheet_name="Orders", index=False)
    return str(path)


def _ambiguous(tmp_path):
    rows = ["order_id,customer_id,product_id,quantity,unit_price,timestamp"]
    rows += [f"{i // 2},{100 + i % 9},{i % 5},1,2.5,{1 + i % 12:02d}/{1 + i % 11:02d}/2011 10:00" for i in range(60)]
    path = tmp_path / "canonical.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def _decimal_comma(tmp_path, thousands: bool):
    rows = ["order_id;customer_id;product_id;quantity;unit_price;timestamp"]
    price = "1.234,50" if thousands else "2,50"
    rows += [f"{i // 2};{100 + i % 9};{i % 5};1;{price};2011-03-{1 + i % 28:02d} 10:00" for i in range(60)]
    path = tmp_path / "comma.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def _cp1252(tmp_path):
    lines = normal_lines(40)
    lines[1] = lines[1].replace("ITEM", "CAFÉ €")
    return str(write_csv(tmp_path / "cp.csv", lines, encoding="cp1252"))


def _labelled(tmp_path, target_values):
    rng = np.random.default_rng(0)
    n = len(target_values)
    frame = pd.DataFrame({"income": rng.normal(3000, 500, n).round(), "default": target_values})
    path = tmp_path / "applicants.csv"
    frame.to_csv(path, index=False)
    return str(path)


CASES = {
    # order ids that start with C without being cancellations (Superstore's CA-2016-152156)
    "order ids starting with C": lambda t: (
        {"data": _lines(t, "ca.csv", _set(0, lambda i, r: f"CA-2016-{r[0]}"))}, ""),
    "every date after today": lambda t: ({"data": _lines(t, "future.csv", _set(4, "3/5/2031 10:00"))}, ""),
    "every date before 1990": lambda t: ({"data": _lines(t, "old.csv", _set(4, "3/5/1985 10:00"))}, ""),
    "dates that are day-first or month-first": lambda t: ({"data": _ambiguous(t)}, ""),
    "decimal commas": lambda t: ({"data": _decimal_comma(t, False)}, ""),
    "decimal commas and thousands points": lambda t: ({"data": _decimal_comma(t, True)}, ""),
    "a summary as the first sheet": lambda t: ({"data": _excel(t, "Summary")}, ""),
    "a sheet that is not there": lambda t: ({"data": _excel(t, "Orders"), "sheet": "orders"}, ""),
    "a sheet for a CSV file": lambda t: ({"data": _cp1252(t), "sheet": "Orders"}, ""),
    "the wrong encoding": lambda t: ({"data": _cp1252(t), "encoding": "utf-8"}, ""),
    "a codec that is no text encoding": lambda t: ({"data": _cp1252(t), "encoding": "rot13"}, ""),
    "only postage lines, dropped": lambda t: (
        {"data": _lines(t, "post.csv", _set(1, "POST")), "drop_non_product": True}, ""),
    "a misspelt target": lambda t: ({"data": _labelled(t, [0, 1] * 30), "target": "defualt"}, "risk"),
    "a target with three values": lambda t: ({"data": _labelled(t, list("ABC") * 20), "target": "default"}, "risk"),
    "a positive label the target never takes": lambda t: (
        {"data": _labelled(t, ["Yes", "No"] * 30), "target": "default", "positive_label": "yes"}, "risk"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_suggested_parameter_fixes_the_refusal(tmp_path, case):
    values, chapter = CASES[case](tmp_path)
    err = refusal(values, chapter)
    assert err is not None, f"{case}: not refused"
    fix = settings(err.fix)
    assert fix, f"{case}: the fix suggests no parameter setting: {err.fix}"
    after = refusal({**values, **fix}, chapter)
    assert after is None, f"{case}: {fix} was suggested, the refusal is still there:\n{after}"


def test_a_file_of_returns_suggests_no_parameter_that_cannot_help(tmp_path):
    def returns(i, r):
        r[0], r[3] = f"C{r[0]}", f"-{r[3]}"

    err = refusal({"data": _lines(tmp_path, "returns.csv", returns)})
    assert "only cancellations or returns" in err.problem and settings(err.fix) == {}
    assert "give the file of orders" in err.fix


def test_a_setting_of_no_parameter_is_caught():
    with pytest.raises(AssertionError, match="no parameter cancellation_prefx"):
        settings("set cancellation_prefx: null in the parameters file")
