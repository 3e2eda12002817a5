"""One line of a delimited export split into its cells, as Python's CSV reader splits it.

The parsers split the first lines of a file one at a time, a few hundred of them for every upload (to
find the header, sniff the kind of export and check the first rows). A line without quotes, line breaks
or NUL characters, nearly every line an instrument writes, is split at its delimiters directly, which
gives the reader's cells; any other line goes to the reader itself.
"""

from __future__ import annotations

import csv
import re

#: Characters the CSV reader treats otherwise than as text between delimiters.
_CSV_SPECIAL = re.compile('["\r\n\x00]')


def split_cells(line: str, delimiter: str, *, skip_initial_space: bool = False) -> list[str]:
    """The cells of ``line``; ``skip_initial_space``: without the spaces that follow each delimiter
    (the reader's ``skipinitialspace``). An empty line has no cells."""
    if not line:
        return []
    if _CSV_SPECIAL.search(line) is None:
        cells = line.split(delimiter)
        return [cell.lstrip(" ") for cell in cells] if skip_initial_space else cells
    reader = csv.reader([line], delimiter=delimiter, skipinitialspace=skip_initial_space)
    return next(reader, [])
