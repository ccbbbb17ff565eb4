"""`newsweave outlets import|list`: the user's outlet table in the store."""

from __future__ import annotations

import argparse
import csv
import sys

from newsweave.catalog import csv_cell
from newsweave.errors import InputError, check_file
from newsweave.outlets import COLUMNS, read_outlets_csv
from newsweave.store import open_store
from newsweave.wording import count


def run_import(args: argparse.Namespace) -> int:
    """Name a store that cannot be written before reading anything (as every writing
    command does), then read and check the whole CSV (an error names file:line and stores
    nothing), then upsert every row in one transaction."""
    check_file(args.file, "an outlets CSV file")
    store = open_store(args.db)
    try:
        store.require_writable()
        outlets = read_outlets_csv(args.file)
        if not outlets:
            raise InputError("no outlet rows (only a header)", args.file)
        done = store.import_outlets(outlets, replace=args.replace)
    finally:
        store.close()
    print(f"imported {count(len(outlets), 'outlet')} from {args.file}: {done.added} new, "
          f"{done.updated} updated, {done.unchanged} unchanged"
          + (f", {count(done.removed, 'other')} removed (--replace)" if args.replace else ""))
    return 0


def run_list(args: argparse.Namespace) -> int:
    store = open_store(args.db, create=False)
    try:
        outlets = store.list_outlets()
    finally:
        store.close()
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for o in outlets:
            writer.writerow([csv_cell(getattr(o, c)) for c in COLUMNS])
        return 0
    from rich.table import Table
    from rich.text import Text

    from newsweave.cli_utils import table_console
    from newsweave.render import strip_control

    table = Table(title=f"Outlets ({len(outlets)})")
    for c in COLUMNS:
        table.add_column(c)
    for o in outlets:
        # Text cells: an outlet named "[bold]x" is shown as written, never read as markup
        # (and no control character: a table imported before they were dropped at import)
        table.add_row(*[Text(strip_control(getattr(o, c) or "-")) for c in COLUMNS])
    table_console().print(table)
    return 0
