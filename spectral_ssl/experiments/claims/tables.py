"""Tables of measurements with human column names, as data."""

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..._tables import format_cell as format_table_cell
from ..._tables import render_table
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
        return [all(isinstance(row.get(k), numbers.Real) and not isinstance(row.get(k), (bool, np.bool_))
                    for row in self.rows if row.get(k) is not None) for k in self.keys()]

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


def json_value(value):
    if isinstance(value, Estimate):
        return value.to_dict()
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value



__all__ = ["Table", "format_cell", "json_value"]
