"""results/<preset>/claims.json (every claim record) and claims.md (the README's table)."""

from pathlib import Path

from _common import log_to

from analysis import claims

log = log_to(snakemake.log[0])
records = claims.merge(snakemake.input)
claims.write(records, snakemake.output.json)
Path(snakemake.output.table).write_text(claims.to_markdown(records))
log.info("%d claims, %d hold", len(records), sum(r["pass"] for r in records))
