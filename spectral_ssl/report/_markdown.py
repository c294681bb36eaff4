"""``report.md``: the report's document (:mod:`._document`) as Markdown, figures as PNG links."""

from ._document import ClaimBlock, FigureRef, Items, Paragraph, Table, build_document


def claims_intro(report):
    """The paragraph that opens the claims section (how verdicts are reached)."""
    quick = " Quick run: fewer seeds and regimes, verdicts indicative only." if report.config.get(
        "quick") else ""
    return ("Each claim of the paper is measured by a function of spectral_ssl.experiments.claims "
            "on several seeds and judged under each wording of the paper by the rule printed with it "
            "(thresholds fixed before the run, 95% intervals): SUPPORTED, NOT SUPPORTED or "
            "INCONCLUSIVE (the interval straddles the threshold) for these data and settings; VOID "
            "when the design checks find that the setting cannot show the effect." + quick
            + " local_vs_global runs on a swiss roll, "
            "whose intrinsic (unrolled) distances are known, "
            + ("not on your data." if (report.config.get("claims") or {}).get("user_data") else
               "not on the labelled data sets."))


def markdown_table(table):
    """A Markdown table with its caption (and the quick label) above it."""
    widths = [max([len(h)] + [len(row[j]) for row in table.cells])
              for j, h in enumerate(table.headers)]

    def line(values):
        return "| " + " | ".join(v.rjust(w) if num else v.ljust(w)
                                 for v, w, num in zip(values, widths, table.numeric)) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if num else ("-" * (w + 2))
                          for w, num in zip(widths, table.numeric)) + "|"
    lines = []
    if table.caption:
        lines += [f"*{table.caption}.*" + (f" [{table.label}]" if table.label else ""), ""]
    return "\n".join(lines + [line(table.headers), rule] + [line(row) for row in table.cells])


def _claim_markdown(block):
    if block.result is not None:
        paths = {entry["name"]: entry["file"] for entry in block.figures}
        return block.result.to_markdown(figure_paths=paths, heading_level=4)
    item = block.not_run
    return (f"#### {item['name']} ({item['dataset']}): **NOT RUN**\n\n"
            f"*Reason.* {item['reason']}.")


def render_document_markdown(document):
    """The Markdown text of a document."""
    lines = [f"# {document.title}", ""]
    for section in document.sections:
        lines += [f"## {section.title}", ""]
        claim = None
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [("**" + block.text + "**") if block.tone == "alert" else block.text, ""]
            elif isinstance(block, Items):
                lines += [f"- {item}" for item in block.items] + [""]
            elif isinstance(block, Table):
                lines += [markdown_table(block), ""]
            elif isinstance(block, FigureRef):
                entry = block.entry
                alt = entry.get("name") or entry["file"].rsplit(".", 1)[0]
                lines += [entry["caption"], "", f"![{alt}]({entry['file']})", ""]
            elif isinstance(block, ClaimBlock):
                if block.number != claim:
                    claim = block.number
                    lines += [f"### Claim {block.number}: {block.title}", ""]
                lines += [_claim_markdown(block), ""]
    lines += [document.footer, ""]
    return "\n".join(lines)


def render_markdown(report):
    """``report.md``: the first screen (verdicts, certificates), the tables, the claims with
    their verdicts, figures as PNG links, and how the numbers were obtained."""
    return render_document_markdown(build_document(report))


__all__ = ["claims_intro", "markdown_table", "render_document_markdown", "render_markdown"]
