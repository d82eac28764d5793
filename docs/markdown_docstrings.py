"""The library's docstrings are plain text with a little Markdown (pipe tables, `code`, |x| for a norm);
autodoc reads reStructuredText. This turns the one into the other before autodoc parses it."""

import re

_TRAILING_UNDERSCORE = re.compile(r"(\w)_(?=\W|$)")


def _escape(text):
    """reStructuredText's inline markup characters outside `code` spans, as literal characters."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # even parts lie outside backticks
        part = parts[i].replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")
        parts[i] = _TRAILING_UNDERSCORE.sub(r"\1\\_", part)
    return "`".join(parts)


def _cells(row):
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _table(rows, indent):
    """A Markdown pipe table (header, rule, rows) as a list-table."""
    pad = " " * indent
    out = [f"{pad}.. list-table::", f"{pad}   :header-rows: 1", ""]
    for row in [rows[0], *rows[2:]]:
        cells = _cells(row)
        out.append(f"{pad}   * - {_escape(cells[0])}")
        out += [f"{pad}     - {_escape(cell)}" for cell in cells[1:]]
    return out + [""]


def _indent(line):
    return len(line) - len(line.lstrip())


def markdown_docstring(app, what, name, obj, options, lines):
    """autodoc-process-docstring: pipe tables become list-tables, a more indented block after a line of
    text becomes a literal block, and inline markup characters elsewhere are escaped."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        is_rule = i + 1 < len(lines) and re.fullmatch(r"\s*\|[\s:|-]+\|\s*", lines[i + 1] or "")
        if line.lstrip().startswith("|") and is_rule:
            j = i
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            out += ([""] if out and out[-1] else []) + _table(lines[i:j], _indent(line))
            i = j
            continue
        previous = out[-1] if out else ""
        if line.strip() and previous.strip() and _indent(line) > _indent(previous):
            base = _indent(previous)
            out[-1] = previous[:-1] + "::" if previous.endswith(":") else previous + " ::"
            out.append("")
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > base):
                out.append(lines[i])
                i += 1
            out.append("")
            continue
        out.append(_escape(line))
        i += 1
    lines[:] = out
