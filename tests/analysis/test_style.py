"""The figures' common writer: the same figure gives the same files, whenever it is drawn."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from analysis import style


def test_the_same_figure_saved_at_two_dates_gives_the_same_pdf_bytes(tmp_path, monkeypatch):
    written = []
    for k, epoch in enumerate(("0", "1700000000")):  # matplotlib dates a PDF from SOURCE_DATE_EPOCH if set
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("x (m)")
        style.save(fig, tmp_path / f"fig{k}.pdf")
        written.append(((tmp_path / f"fig{k}.pdf").read_bytes(), (tmp_path / f"fig{k}.png").is_file()))
    assert written[0] == written[1] and written[0][1]
