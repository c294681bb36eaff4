"""The report's files: figures (PNG), CSV, JSON, Markdown and the self-contained HTML page."""

import csv
import io
import json
from pathlib import Path

from ..experiments.claim_runs import claim_number
from ..experiments.method_table import REGIMES
from ..methods import DISPLAY_NAMES, SHORT_DISPLAY_NAMES
from ._table import CSV_COLUMNS, jsonable

def _rank_panels(report):
    """The panels of ``ranks.png``: main relation per regime, then each pairs problem."""
    rows = [row for row in report.rows if row.get("rank") is not None]
    vicreg_ratios = [r["invariance_ratio"] for r in rows if r["method"] == "vicreg"
                     and r["invariance_ratio"] is not None and r["variance"] == 1.0]
    extremes = {min(vicreg_ratios), max(vicreg_ratios)} if vicreg_ratios else set()

    def bar(row):
        if row["method"] == "vicreg":
            label = f"VICReg inv/var={row['invariance_ratio']:g}"
        else:
            label = SHORT_DISPLAY_NAMES[row["method"]]
        return {"label": label, "rank": row["rank"], "components": row["components"],
                "method": row["method"], "exact": row["solution"] != "numerical"}

    def keep(row):
        return row["method"] != "vicreg" or (row["variance"] == 1.0
                                             and row["invariance_ratio"] in extremes)

    panels = []
    relation = report.config["relation"]
    for regime in REGIMES:
        bars = [bar(r) for r in rows if r["section"] == "main" and r["regime"] == regime and keep(r)]
        if bars:
            panels.append({"title": f"{report.config['data_name']}, {relation}: {regime}",
                           "bars": bars})
    for count in report.config["pairs_images"]:
        bars = [bar(r) for r in rows if r["section"] == "pairs" and r["n_images"] == count]
        if bars:
            panels.append({"title": f"pairs only, {count} images: c = {count}", "bars": bars})
    return panels


def file_stem(text):
    """``text`` with every character other than letters, digits, ``-``, ``_`` as ``_``."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in str(text))


def _method_figures(report):
    """``[(key, section, file name, caption, Figure)]`` of the method sections."""
    from .. import plotting

    K = report.config["n_components"]
    name = report.config["data_name"]
    figures = []
    panels = {regime: items for regime, items in report.representations.items() if items}
    if panels:
        figures.append(("figure", "methods", "spectra.png",
                        "VICReg: singular values of the centred representation (crosses) against "
                        "the predicted sqrt(N t_k) (lines), one panel per regime.",
                        plotting.spectra_figure(panels, suptitle=(
                            f"VICReg optimum on {name} (K={K}, relation "
                            f"{report.config['relation']}): singular values of the centred $Z$ vs "
                            f"$\\sqrt{{N t_k}}$"))))
    rank_panels = _rank_panels(report)
    if rank_panels:
        figures.append(("ranks", "pairs", "ranks.png",
                        "Rank of every optimum (bars; hatched = numerical optimum) against the "
                        "number of components of its graph (black ticks) and K (dashed line).",
                        plotting.rank_components_figure(rank_panels, n_components=K, suptitle=(
                            "Rank of each optimum (bars) against the number of connected "
                            f"components of its relation graph (black ticks); K = {K}"))))
    if report.mds_panels:
        first = report.mds[0]
        figures.append(("mds_figure", "mds", "simclr_mds.png",
                        "Left: squared chord distances of the SimCLR representation against the "
                        "MDS target of its relation (one dot per pair; line: target plus the "
                        "fitted constant). Middle: classical MDS of the target (ISOMAP for the "
                        "geodesic relation). Right: SimCLR on its first two principal axes. "
                        "Colour: position along the roll.",
                        plotting.simclr_mds_figure(report.mds_panels, suptitle=(
                            f"SimCLR on a swiss roll (N={first['n_samples']}, "
                            f"K={first['n_components']}, tau={first['temperature']:g}) against "
                            f"classical MDS of its relation's distances"))))
    return figures


def _claim_figures(result):
    """``[(key, section, file name, caption, Figure, claim fields)]`` of one claim."""
    from ..plotting_claims import claim_figures

    if not result.figures:
        claim_figures(result)  # drawn from the result's data when a page needs them
    return [(f"claim:{result.name}:{result.dataset}:{name}", "claims",
             f"claim_{file_stem(result.name)}_{file_stem(result.dataset)}_{file_stem(name)}.png",
             f"Claim {claim_number(result.name)} ({result.name}) on {result.dataset}: "
             f"{name.replace('_', ' ')}.", fig,
             {"claim": result.name, "dataset": result.dataset, "name": name})
            for name, fig in result.figures.items()]


#: The files of a report folder: an existing --out is replaced only when it holds the list of
#: the files an earlier report wrote (``_files.MANIFEST``) and nothing else than those.
REPORT_FILES = ("report.html", "report.md", "report.csv", "report.json", "*.png")


def write_report(report, out_dir):
    """Write the report's files into ``out_dir``, replacing an earlier report there in one step.

    The files are written into a temporary folder beside ``out_dir`` which then
    takes its place (see :func:`spectral_ssl._files.replaced_folder`): an
    interrupted run leaves the previous report whole, and stale files of an
    earlier run are gone. A folder that is not an earlier report (files it did not
    write, even named like :data:`REPORT_FILES`) is refused (``ValueError``). Returns ``{kind: path}``
    (the final paths).
    """
    from .._files import replaced_folder

    with replaced_folder(out_dir, option="out_dir", allowed=REPORT_FILES) as staging:
        files = _write_report_files(report, staging)
    return {kind: str(Path(out_dir) / Path(path).name) for kind, path in files.items()}


def _write_report_files(report, out_dir):
    """Write the report's files into ``out_dir``; return ``{kind: path}``.

    ``report.html`` (self-contained: every figure embedded as a base64 PNG),
    ``report.md`` (figures linked as the PNG files beside it), ``report.csv``
    (the optima), ``report.json`` (everything, claims included) and one PNG per
    figure: ``spectra.png`` (with VICReg rows), ``ranks.png`` (with any
    computed row), ``simclr_mds.png`` (with the SimCLR-MDS section) and
    ``claim_<claim>_<data>_<figure>.png`` for each figure of each claim. Each
    figure is rendered once; the HTML embeds the bytes of its PNG file.
    ``report.figures`` lists them in page order.
    """
    out = Path(out_dir)
    files = {"html": out / "report.html", "markdown": out / "report.md", "csv": out / "report.csv",
             "json": out / "report.json"}

    entries = _method_figures(report)
    for result in report.claims:
        entries += _claim_figures(result)
    pngs, report.figures = {}, []
    for key, section, name, caption, fig, *claim in entries:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        pngs[key] = buffer.getvalue()
        (out / name).write_bytes(pngs[key])
        files[key] = out / name
        report.figures.append({"key": key, "section": section, "file": name, "caption": caption,
                               **(claim[0] if claim else {})})

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        writer.writerow({k: ("" if row.get(k) is None else jsonable(row.get(k))) for k in CSV_COLUMNS})
    files["csv"].write_text(buffer.getvalue(), encoding="utf-8")

    files["json"].write_text(json.dumps(jsonable({
        "title": report_title(report),
        "config": report.config, "notes": report.notes, "rows": report.rows,
        "simclr_mds": report.mds, "claims": claims_json(report), "figures": report.figures,
        "elapsed_seconds": report.elapsed,
    }), indent=2) + "\n", encoding="utf-8")
    from ._html import render_html
    from ._markdown import render_markdown

    files["markdown"].write_text(render_markdown(report), encoding="utf-8")
    files["html"].write_text(render_html(report, pngs), encoding="utf-8")
    return {kind: str(path) for kind, path in files.items()}


def report_title(report):
    methods = ", ".join(DISPLAY_NAMES[m] for m in report.config["methods"])
    claims = " and the paper's claims" if report.claims or report.claims_not_run else ""
    return f"spectral_ssl report: optima of {methods} on {report.config['data_name']}{claims}"


def claims_json(report):
    """The claims of ``report`` as JSON-ready dicts (figures by file name)."""
    files = {}
    for entry in report.figures:
        if entry["section"] == "claims":
            files.setdefault((entry["claim"], entry["dataset"]), []).append(entry["file"])
    items = [{"name": r.name, "number": claim_number(r.name), "dataset": r.dataset,
              "statement": r.statement, "rule": r.rule, "supported": bool(r.supported),
              "verdict": r.verdict, "summary": r.summary, "quick": r.quick, "label": r.label,
              "table": r.to_dict()["tables"][next(iter(r.tables))]["rows"] if r.tables else [],
              "readings": [reading.to_dict() for reading in r.readings],
              "design": [check.to_dict() for check in r.design], "details": r.details,
              "figures": files.get((r.name, r.dataset), []), "elapsed_seconds": r.elapsed}
             for r in report.claims]
    items += [{"name": r["name"], "number": claim_number(r["name"]), "dataset": r["dataset"],
               "supported": None, "verdict": "not run", "reason": r["reason"]}
              for r in report.claims_not_run]
    return sorted(items, key=lambda item: item["number"])


def figure_files(report, section):
    return [entry for entry in report.figures if entry["section"] == section]

