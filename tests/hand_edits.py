"""Hand edits of a text, as a person (or a bad merge) makes them: for fuzzing the parser and for
checking the fast reader against the YAML loader on what people do to pipe's files."""

from __future__ import annotations

# Each edit is (kind, a, b, piece): a picks the place, b a second place or a size, piece the text.
KINDS = ["insert", "insert", "delete", "replace", "duplicate-line", "drop-line", "swap-lines", "indent", "dedent",
         "comment-line", "blank-line"]


def edit(text: str, changes: list[tuple[str, int, int, str]]) -> str:
    """text after hand edits: characters or snippets inserted, deleted or replaced; lines duplicated
    (a key twice), dropped, swapped, indented, dedented; comment or blank lines added."""
    for kind, a, b, piece in changes:
        at = a % (len(text) + 1)
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 + b % 16 :]
        elif kind == "replace":
            text = text[:at] + piece + text[at + max(1, len(piece)) :]
        else:
            lines = text.split("\n")
            i, j = a % len(lines), b % len(lines)
            if kind == "duplicate-line":
                lines.insert(j, lines[i])
            elif kind == "drop-line":
                del lines[i]
            elif kind == "swap-lines":
                lines[i], lines[j] = lines[j], lines[i]
            elif kind == "indent":
                lines[i] = " " * (1 + b % 4) + lines[i]
            elif kind == "dedent":
                lines[i] = lines[i][min(b % 3 + 1, len(lines[i]) - len(lines[i].lstrip(" "))):]
            elif kind == "comment-line":
                lines.insert(i, " " * (b % 5) + "# " + piece.replace("\n", " "))
            else:
                lines.insert(i, "")
            text = "\n".join(lines)
    return text
