"""Tables of measurements with human column names, as data."""

from dataclasses import dataclass

import numpy as np

from ..._tables import format_cell as format_table_cell
from ..._tables import jsonable, numeric_columns, render_table
from .stats import Estimate


@dataclass
class Table:
    """Rows of measurements with human column names.

    Attributes
    ----------
    columns : list of (key, label)
        ``label`` is the header a renderer prints, units included (e.g.
        ``"probe accuracy (mean ± s.e., 5 seeds)"``).
    rows : list of dict
        Values keyed by ``key``; an :class:`Estimate` cell prints as mean ± s.e.
    caption : str
    """

    columns: list
    rows: list
    caption: str = ""

    def keys(self):
        return [key for key, _ in self.columns]

    def labels(self):
        return [label for _, label in self.columns]

    def to_markdown(self, float_format=".3g"):
        """A Markdown pipe table (the package's one table renderer), numeric columns
        right-aligned."""
        cells = [[format_cell(row.get(k), float_format) for k in self.keys()] for row in self.rows]
        return render_table(self.labels(), cells, self.numeric_columns(), markdown=True)

    def numeric_columns(self):
        """Which columns hold only real numbers (empty cells aside), booleans excluded."""
        return numeric_columns(self.rows, self.keys())

    def to_dict(self):
        return {"caption": self.caption, "columns": [list(c) for c in self.columns],
                "rows": [{k: json_value(v) for k, v in row.items()} for row in self.rows]}


def format_cell(value, float_format=".3g"):
    """A table cell as text: estimates as mean ± s.e., booleans as yes/no, sequences joined
    (:func:`spectral_ssl._tables.format_cell` for everything but estimates)."""
    if isinstance(value, Estimate):
        return value.format()
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(format_cell(v, float_format) for v in value)
    return format_table_cell(value, float_format)


def _null(value):
    return None


def _estimate_dict(value):
    return value.to_dict() if isinstance(value, Estimate) else value


def json_value(value):
    """A cell or setting in JSON's types (:func:`spectral_ssl._tables.jsonable`): estimates as
    their dicts, non-finite numbers as ``None``."""
    return jsonable(value, non_finite=_null, default=_estimate_dict)



__all__ = ["Table", "format_cell", "json_value"]
