"""One plotting module per paper figure: `figN.plot(inputs, **options) -> matplotlib Figure`.

`inputs` maps names to files under results/ (the rule's input), so a figure reads only what the
pipeline wrote. workflow/scripts/plot_figure.py calls `plot` and saves PDF + PNG with analysis.style.
"""
