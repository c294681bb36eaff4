"""The export of a :class:`~spectral_ssl.experiments.claims.result.ClaimResult` to Markdown and figure
files: the bodies of ``ClaimResult.to_markdown`` and ``ClaimResult.save_figures``, kept apart so that
:mod:`.result` holds the data and the verdicts only."""


def claim_markdown(result, *, figure_paths=None, float_format=".3g", heading_level=3):
    """Markdown of a :class:`~.result.ClaimResult`: heading with the verdict, statement, readings, design
    checks, tables, figures (``ClaimResult.to_markdown``)."""
    title = result.name + (f" ({result.dataset})" if result.dataset else "")
    quick = f" [{result.label}]" if result.quick else ""
    lines = [f"{'#' * int(heading_level)} {title}: **{result.verdict.upper()}**{quick}", "",
             f"*Claim.* {result.statement}", "", f"*Rule.* {result.rule}", "",
             f"*Result.* {result.summary}", ""]
    for reading in result.readings:
        role = "" if reading.primary else " (secondary)"
        lines += [f"- **{reading.name}{role}: {reading.verdict}.** \u201c{reading.wording}\u201d "
                  f"Tested: {reading.tests}"]
    lines.append("")
    if result.design:
        lines.append("*Design checks.*")
        lines += [f"- {'passed' if d.passed else 'FAILED'}: {d.name}"
                  + (f" ({d.regime})" if d.regime else "") + f": {d.message}" for d in result.design]
        lines.append("")
    for table in [result.readings_table(), *result.tables.values()]:
        if table.rows:
            if table.caption:
                lines += [f"*{table.caption}.*", ""]
            lines += [table.to_markdown(float_format), ""]
    if result.figures:
        if figure_paths:
            lines += [f"![{result.name}: {name}]({figure_paths[name]})" for name in result.figures
                      if name in figure_paths]
        else:
            lines.append("Figures: " + ", ".join(result.figures))
        lines.append("")
    return "\n".join(lines)


def save_claim_figures(result, directory, *, prefix=None, format="png"):
    """Save every figure of a :class:`~.result.ClaimResult` as ``<directory>/<prefix>_<name>.<format>``.

    Returns ``{name: path}``.

    Characters other than letters, digits, ``-``, ``_`` and ``.`` become ``_``.
    ``prefix`` defaults to ``<name>_<dataset>``. Figures come from
    :func:`spectral_ssl.plotting_claims.claim_figures` (``figures`` is empty until then).
    """
    from pathlib import Path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if prefix is None:
        prefix = result.name + (f"_{result.dataset}" if result.dataset else "")
    paths = {}
    for name, fig in result.figures.items():
        stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{prefix}_{name}")
        path = directory / f"{stem}.{format}"
        fig.savefig(path)
        paths[name] = str(path)
    return paths


__all__ = ["claim_markdown", "save_claim_figures"]
