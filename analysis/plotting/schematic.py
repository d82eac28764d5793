"""Boxes and arrows for the conceptual figures (2, 3, 7), in data coordinates of an axis-free axes."""

from matplotlib import patches

from analysis import style

FILL = {
    "environment": "#deebf7",
    "effector": "#c6dbef",
    "policy": "#fee6ce",
    "skeleton": "#e5f5e0",
    "muscle": "#fde0dd",
    "neutral": "#f0f0f0",
    "easy": "#e5f5e0",
    "medium": "#fff7bc",
    "hard": "#fde0dd",
}


def blank(ax, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def box(
    ax, x, y, w, h, text, fill="neutral", fontsize=None, weight="normal", ec="0.2", lw=0.8, va="center", dashed=False
):
    """A rounded box with lower-left corner (x, y); returns its (x, y, w, h)."""
    ax.add_patch(
        patches.FancyBboxPatch(
            (x, y),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            fc=FILL.get(fill, fill),
            ec=ec,
            lw=lw,
            ls="--" if dashed else "-",
        )
    )
    ty = y + h / 2 if va == "center" else y + h - 0.12
    ax.text(x + w / 2, ty, text, ha="center", va=va, fontsize=fontsize or style.FONT_SIZE, fontweight=weight)
    return (x, y, w, h)


def arrow(
    ax,
    start,
    end,
    text=None,
    colour="0.15",
    rad=0.0,
    text_offset=(0, 0.08),
    lw=1.0,
    ha="center",
    fontsize=None,
    style_="-|>",
):
    ax.annotate(
        "",
        end,
        start,
        arrowprops=dict(
            arrowstyle=style_, color=colour, lw=lw, shrinkA=0, shrinkB=0, connectionstyle=f"arc3,rad={rad}"
        ),
    )
    if text:
        mx, my = (start[0] + end[0]) / 2 + text_offset[0], (start[1] + end[1]) / 2 + text_offset[1]
        ax.text(mx, my, text, ha=ha, va="center", fontsize=fontsize or style.FONT_SIZE - 1, color=colour)


def noise(ax, x, y, label):
    """A small circled plus: additive Gaussian noise."""
    ax.add_patch(patches.Circle((x, y), 0.09, fc="white", ec="0.2", lw=0.8, zorder=4))
    ax.text(x, y, "+", ha="center", va="center", fontsize=style.FONT_SIZE, zorder=5)
    ax.text(x, y + 0.17, label, ha="center", va="bottom", fontsize=style.FONT_SIZE - 1, color="#6a51a3")


def delay(ax, x, y, label):
    """A delay element (a small square with Δ)."""
    ax.add_patch(patches.Rectangle((x - 0.14, y - 0.11), 0.28, 0.22, fc="white", ec="0.2", lw=0.8, zorder=4))
    ax.text(x, y, label, ha="center", va="center", fontsize=style.FONT_SIZE - 1, zorder=5)
