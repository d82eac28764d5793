"""Tables 1-5 of the paper, regenerated from the simulator's own parameters (CSV + markdown)."""

from pathlib import Path

from _common import log_to

from analysis import tables

log = log_to(snakemake.log[0])
markdown = []
for key, (title, build) in tables.TABLES.items():
    df = build()
    df.to_csv(getattr(snakemake.output, key), index=False)
    markdown.append(tables.to_markdown(df, f"Table {key[-1]}. {title}"))
    log.info("%s: %d rows", key, len(df))
Path(snakemake.output.markdown).write_text("\n".join(markdown))
