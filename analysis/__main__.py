"""Command line: ``python -m analysis report PATH`` and ``python -m analysis book``.

Exit status 0 on success, 2 for bad input (a :class:`DataError`, printed
without a traceback), 1 when a chapter or the book build fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from analysis.errors import DataError


def _mapping(items: list[str] | None) -> dict[str, str] | None:
    if not items:
        return None
    out = {}
    for item in items:
        if "=" not in item:
            raise DataError(
                f"A --map entry must look like canonical=column, got {item!r}.",
                column="--map",
                fix="e.g. --map customer_id='Customer Number' --map timestamp=OrderDate",
            )
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def cmd_report(args: argparse.Namespace) -> int:
    from analysis.datasets import load_transactions
    from analysis.validate import NON_PRODUCT_CODES

    overrides = {}
    if args.drop_duplicates:
        overrides["duplicates"] = True
    if args.drop_non_product:
        overrides["non_product_codes"] = NON_PRODUCT_CODES
    _, report = load_transactions(
        args.path, mapping=_mapping(args.map), overrides=overrides, date_format=args.date_format
    )
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(report)
    return 0


def cmd_book(args: argparse.Namespace) -> int:
    from analysis.book import build_book

    return build_book(chapter=args.chapter, data=args.data, params_file=args.params, build_html=not args.no_html)


def cmd_chapters(args: argparse.Namespace) -> int:
    from analysis.book import chapter_table

    print(chapter_table())
    return 0


def cmd_kernel(args: argparse.Namespace) -> int:
    from analysis.book import install_kernel

    print(f"kernel registered: {install_kernel()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("report", help="print the data report for a transactions file")
    rep.add_argument("path", help="CSV, Parquet or Excel file; 'shop' for the built-in shop; 'cdnow'")
    rep.add_argument("--json", action="store_true", help="print one JSON object")
    rep.add_argument("--map", action="append", metavar="CANONICAL=COLUMN", help="column mapping (repeatable)")
    rep.add_argument("--date-format", help="strftime codes of the timestamps, e.g. '%%d/%%m/%%Y %%H:%%M'")
    rep.add_argument("--drop-duplicates", action="store_true", help="also drop exact duplicate lines")
    rep.add_argument("--drop-non-product", action="store_true", help="also drop postage, fees and adjustments")
    rep.set_defaults(func=cmd_report)

    book = sub.add_parser("book", help="execute the chapters that changed and build the HTML book")
    book.add_argument("--chapter", help="rerun only this chapter (name or number), e.g. concepts")
    book.add_argument("--data", help="the data file for the chapter(s); default: each chapter's own")
    book.add_argument("--params", help="a YAML file of chapter parameters")
    book.add_argument("--no-html", action="store_true", help="execute chapters but do not build HTML")
    book.set_defaults(func=cmd_book)

    chapters = sub.add_parser("chapters", help="list the chapters and their parameters")
    chapters.set_defaults(func=cmd_chapters)

    kernel = sub.add_parser("install-kernel", help="register the book's Jupyter kernel in this environment")
    kernel.set_defaults(func=cmd_kernel)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        if os.environ.get("ANALYSIS_DEBUG"):
            raise
        print(
            f"error: unexpected {type(err).__name__}: {err}\n"
            "  this is a bug in the book's code, not in your data: please report it "
            "(set ANALYSIS_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
