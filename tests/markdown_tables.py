"""Test helper: the pipe tables of a Markdown text (used by the report tests)."""


def pipe_tables(text):
    """The pipe tables of ``text``: one list of rows per table (header, rule, cells), cells stripped."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append([cell.strip() for cell in line.strip("|").split("|")])
        elif current:
            tables.append(current)
            current = []
    return tables
