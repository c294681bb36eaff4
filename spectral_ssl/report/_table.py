"""Columns of the report's tables and the formatting of their cells (plain text, Markdown, JSON)."""

from .._tables import format_cell, jsonable, render_table

#: Columns of the method table: (row key, human header with its unit). Headers are words,
#: not code names; the terminal renderer wraps them over several lines to keep tables narrow.
TABLE_COLUMNS = (
    ("method", "method"),
    ("regime", "regime"),
    ("hyperparameters", "hyper-parameters"),
    ("n_samples", "N (views)"),
    ("components", "components of G"),
    ("loss", "loss"),
    ("rank", "rank"),
    ("solution", "solution"),
    ("gradient_norm", "gradient norm at the optimum"),
    ("cert_n_samples", "certificate N (views)"),
    ("cert_relative_gap", "certificate relative gap"),
    ("cert_converged", "restarts converged"),
    ("cert_verdict", "certified"),
    ("probe_accuracy", "probe accuracy (fraction)"),
)

#: Columns of the pairs-relation table (non-parametric only, no probe): a selection of
#: :data:`TABLE_COLUMNS`, so that a quantity has one header in both tables.
PAIRS_COLUMNS = tuple(column for column in TABLE_COLUMNS if column[0] in (
    "method", "hyperparameters", "n_samples", "components", "loss", "rank", "solution",
    "cert_relative_gap", "cert_verdict"))

#: Columns of the SimCLR-MDS table.
MDS_COLUMNS = (
    ("relation", "relation"),
    ("equivalent", "equivalent"),
    ("n_samples", "N (points)"),
    ("n_components", "K"),
    ("bandwidth", "bandwidth sigma (distance)"),
    ("loss", "loss"),
    ("bound", "lower bound (Theorem 2)"),
    ("rank", "rank"),
    ("spearman", "Spearman with its target"),
    ("pearson", "Pearson with its target"),
    ("stress", "stress"),
    ("spearman_other_target", "Spearman with the other target"),
    ("targets_spearman", "Spearman between the targets"),
)

#: Columns of the claims' verdict table (the first screen).
CLAIM_COLUMNS = (
    ("claim", "claim"),
    ("data", "data"),
    ("verdict", "verdict"),
    ("interval", "deciding number: mean (interval) vs threshold"),
    ("seconds", "time (s)"),
)

#: Columns of the CSV file, in order.
CSV_COLUMNS = (
    "section", "method", "regime", "hyperparameters", "invariance_ratio", "variance", "covariance",
    "invariance", "off_diagonal", "temperature", "case", "relation", "n_images", "n_samples",
    "n_components", "components", "loss", "minimal_loss_formula", "rank", "exact", "solution",
    "equivalent", "gradient_norm", "cert_n_samples", "cert_restarts", "cert_closed_form_loss",
    "cert_best_numerical_loss", "cert_gap", "cert_relative_gap", "cert_converged", "cert_passed",
    "cert_verdict", "probe", "probe_accuracy", "seconds", "skipped",
)


#: Report column -> ``format`` spec of its numbers (other columns: integers as such, reals ``.6g``).
KEY_FORMATS = {"probe_accuracy": ".3f", "stress": ".3f", "spearman": ".4f", "pearson": ".4f",
               "spearman_other_target": ".4f", "targets_spearman": ".4f", "loss": ".6g", "bound": ".6g",
               "gradient_norm": ".1e", "cert_relative_gap": ".1e", "invariance_ratio": ".4g",
               "bandwidth": ".4g", "seconds": ".1f"}


def format_value(key, value):
    """A report cell: ``-`` for a missing value, yes/NO, the column's number format (``KEY_FORMATS``)."""
    spec = KEY_FORMATS.get(key)
    return format_cell(value, spec or ".6g", none="-", false="NO", format_integers=spec is not None)


TEXT_KEYS = ("method", "regime", "hyperparameters", "solution", "cert_verdict", "relation",
              "equivalent", "claim", "data", "verdict", "interval")



def format_rows(rows, *, markdown=False, columns=TABLE_COLUMNS):
    """Render report rows as an aligned text table or a Markdown table.

    Numbers are right-aligned, text left-aligned; a skipped row shows ``-`` in
    every result column.
    """
    headers = [header for _, header in columns]
    cells = [[format_value(key, row.get(key)) for key, _ in columns] for row in rows]
    numeric = [key not in TEXT_KEYS for key, _ in columns]
    return render_table(headers, cells, numeric, markdown=markdown)
