"""Command line: ``python -m analysis report PATH``, ``book``, ``chapters``, ``install-kernel``, ``doctor``, ``handout``, ``lab``.

Exit status 0 on success, 2 for bad input (a :class:`DataError`, printed
without a traceback), 1 when a chapter or the book build fails, 130 when
interrupted (Ctrl-C): one line, and the last good book is unchanged.
"""

from __future__ import annotations

import argparse
import os
import sys

from analysis.errors import BuildBusy, DataError

INTERRUPTED = "interrupted; the last good book is unchanged"


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI time limit, ``kill``): cleaned up like Ctrl-C, exit status 143."""


def _on_sigterm(signum, frame):
    raise Terminated


def _mapping(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise DataError(
                f"A --map entry must look like canonical=column, got {item!r}.",
                parameter="--map",
                fix="e.g. --map customer_id='Customer Number' --map timestamp=OrderDate",
            )
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _report_values(args: argparse.Namespace) -> dict:
    """The data parameters of ``report``: the parameters file first, then the flags and the path."""
    from analysis.chapters import CHAPTERS, get_chapter
    from analysis.book.runner import load_params_file, refuse_unknown

    given = load_params_file(args.params)
    values = {k: v for k, v in given.items() if not (k in {c.name for c in CHAPTERS} and isinstance(v, dict))}
    refuse_unknown(values, args.params)  # typos refused; a name another chapter takes is not
    if args.chapter:
        chapter = get_chapter(args.chapter)
        values = {k: v for k, v in values.items() if k in chapter.params.model_fields}  # where it is taken
        values.update(given[chapter.name] if isinstance(given.get(chapter.name), dict) else {})
    values["data"] = args.path
    if args.map:
        values["mapping"] = _mapping(args.map)
    for flag in ("date_format", "drop_duplicates", "drop_non_product"):
        if getattr(args, flag):
            values[flag] = getattr(args, flag)
    return values


def _report_params(args: argparse.Namespace):
    from pathlib import Path

    from analysis.chapters import check_chapter_params, get_chapter
    from analysis.chapters._base import ChapterParams
    from analysis.data.refusals import check_params
    from analysis.data.params import DataParams
    from analysis.data.source import source_of

    values = _report_values(args)
    if not source_of(values["data"]).built_in:
        values["data"] = str(Path(values["data"]).expanduser())
    if not args.chapter:  # the data parameters only, checked as strictly as a chapter's
        data = {k: v for k, v in values.items() if k in DataParams.model_fields}
        return None, check_params(ChapterParams, "", data, source=args.params)
    chapter = get_chapter(args.chapter)
    return chapter, check_chapter_params(chapter, values, source=args.params)


def cmd_report(args: argparse.Namespace) -> int:
    from analysis.chapters import check_needs
    from analysis.book.runner import load_chapter_data
    from analysis.data.report import json_text  # valid JSON: non-finite numbers as null

    chapter, params = _report_params(args)
    table, report = load_chapter_data(params, chapter)
    try:
        if chapter is not None:
            check_needs(chapter, params, report, table)
    finally:  # the report first, then the verdict (or the refusal, on stderr)
        if args.json:
            extra = {"needs_met": chapter.name} if chapter is not None and sys.exc_info()[0] is None else {}
            print(json_text({**report.to_dict(), **extra}))
        else:
            print(report)
    if chapter is not None and not args.json:
        print(f"chapter {chapter.name}: these data meet its needs ({'; '.join(n.text for n in chapter.needs)})")
    return 0


def cmd_book(args: argparse.Namespace) -> int:
    from analysis.book.runner import CELL_TIMEOUT, build_book

    timeout = CELL_TIMEOUT if args.cell_timeout is None else _timeout(args.cell_timeout)
    return build_book(
        chapter=args.chapter, data=args.data, params_file=args.params, build_html=not args.no_html,
        cell_timeout=timeout,
    )  # fmt: skip


def cmd_chapters(args: argparse.Namespace) -> int:
    from analysis.book.runner import chapter_table

    print(chapter_table())
    return 0


def cmd_kernel(args: argparse.Namespace) -> int:
    from analysis.book.runner import install_kernel

    print(f"kernel registered: {install_kernel()}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from analysis.book import doctor
    from analysis.book.runner import ROOT

    return doctor.run(ROOT)


def cmd_handout(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis.book import handout
    from analysis.book.runner import ROOT

    return handout.main(ROOT, Path(args.out) if args.out else None)


def cmd_lab(args: argparse.Namespace) -> int:
    from pathlib import Path

    from analysis.book import lab
    from analysis.book.runner import ROOT

    folder = Path(args.dir) if args.dir else ROOT / "book" / "_build" / "handout"
    return lab.main(folder.resolve(), args.port)


def _timeout(text: str) -> int:
    from analysis._checks import check_int

    try:
        value = int(text)
    except ValueError:
        value = text
    try:
        return check_int("--cell-timeout (CELL_TIMEOUT)", value, low=1,
                         fix="give the seconds a cell may run, e.g. 1200")  # fmt: skip
    except DataError as err:  # an option of the command, not a column of the data
        raise DataError(err.problem, parameter="--cell-timeout (CELL_TIMEOUT)", fix=err.fix) from None


def _parser() -> argparse.ArgumentParser:
    from analysis.book.runner import CELL_TIMEOUT

    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="print the data report for a transactions file")
    rep.add_argument("path", help="CSV, Parquet or Excel file; 'shop' for the built-in shop; 'cdnow'")
    rep.add_argument("--chapter", help="also check the chapter's needs (enough customers, days, ...)")
    rep.add_argument("--params", help="a YAML file of parameters (data parameters, and the chapter's)")
    rep.add_argument("--json", action="store_true", help="print one JSON object")
    rep.add_argument("--map", action="append", metavar="CANONICAL=COLUMN", help="column mapping (repeatable)")
    rep.add_argument("--date-format", help="strftime codes of the timestamps, e.g. '%%d/%%m/%%Y %%H:%%M'")
    rep.add_argument("--drop-duplicates", action="store_true", help="also drop exact duplicate lines")
    rep.add_argument("--drop-non-product", action="store_true", help="also drop postage, fees and adjustments")
    rep.set_defaults(func=cmd_report)
    book = sub.add_parser("book", help="execute the chapters that changed and build the HTML book")
    book.add_argument("--chapter", help="execute only this chapter (name or number), e.g. concepts")
    book.add_argument("--data", help="the data file for the chapter(s); default: each chapter's own")
    book.add_argument("--params", help="a YAML file of chapter parameters")
    book.add_argument("--no-html", action="store_true", help="execute chapters but do not build HTML")
    book.add_argument("--cell-timeout", metavar="SECONDS",
                      help=f"seconds a cell may run before the chapter is stopped (default {CELL_TIMEOUT})")  # fmt: skip
    book.set_defaults(func=cmd_book)
    sub.add_parser("chapters", help="list the chapters and their parameters").set_defaults(func=cmd_chapters)
    kernel = sub.add_parser("install-kernel", help="register the book's Jupyter kernel in this environment")
    kernel.set_defaults(func=cmd_kernel)
    doctor = sub.add_parser("doctor", help="check this machine: Python, .venv, kernel, packages, write access, data")
    doctor.set_defaults(func=cmd_doctor)
    handout = sub.add_parser("handout", help="the workshop notebooks: exercises without and with solutions")
    handout.add_argument("--out", help="the folder to write (default book/_build/handout)")
    handout.set_defaults(func=cmd_handout)
    lab = sub.add_parser("lab", help="JupyterLab on the hand-out (127.0.0.1, the book's kernel, offline)")
    lab.add_argument("--dir", help="the folder to serve (default book/_build/handout)")
    lab.add_argument("--port", type=int, default=8888, help="the port on 127.0.0.1 (default 8888)")
    lab.set_defaults(func=cmd_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    import signal

    if argv is None:  # the command line, not a test calling main() in its own process
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        args = _parser().parse_args(argv)
        return args.func(args)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BuildBusy as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        print(INTERRUPTED, file=sys.stderr, flush=True)
        return 143 if isinstance(stop, Terminated) else 130
    except Exception as err:
        from analysis.book.disk import is_no_space, no_space_message

        if is_no_space(err):  # a full disk is no bug: say where, and how much is left
            print(f"error: {no_space_message(err)}; the last good book is unchanged", file=sys.stderr)
            return 1
        if os.environ.get("ANALYSIS_DEBUG"):
            raise
        print(
            f"error: unexpected {type(err).__name__}: {err}\n"
            "  this is a bug in the book's code, not in your data: please report it "
            "(set ANALYSIS_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 1
