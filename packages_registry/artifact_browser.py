"""The artifact tree and file previews of the candidate page (and any page that shows a package's files).

Bounded everywhere: the tree reads at most MAX_TREE_FILES rows in one query and lists at most
ENTRIES_PER_FOLDER entries per folder (the rest is counted and left to the package registry's paged file list);
a preview reads at most a capped head of the file from storage, never the whole of a large file.
Which files may be shown inline at all is `responses.inline_display` (the one inline policy).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.utils.safestring import mark_safe

from .models import Package, PackageFile
from .responses import Display, inline_display
from .storage import storage_read

MAX_TREE_FILES = 2000
ENTRIES_PER_FOLDER = 100
TEXT_MAX_BYTES = 512 * 1024  # text/JSON/YAML shown in full up to this size, cut (and said so) past it
TABLE_MAX_BYTES = 1024 * 1024  # the head of a CSV/TSV read for its first rows
TABLE_MAX_ROWS = 100
TABLE_MAX_COLUMNS = 50
PARQUET_MAX_BYTES = 16 * 1024 * 1024  # parquet needs its footer: only files this small are read for a preview


@dataclass
class TreeNode:
    name: str
    path: str
    is_dir: bool
    size: int | None = None
    file_id: int | None = None
    children: list[TreeNode] = field(default_factory=list)
    more: int = 0  # entries of this folder not listed (past ENTRIES_PER_FOLDER)


@dataclass
class ArtifactTree:
    roots: list[TreeNode]
    more: int  # root entries not listed
    file_count: int  # files read (at most MAX_TREE_FILES)
    truncated: bool  # the package has more files than were read


def _node_sort(nodes: list[TreeNode]) -> list[TreeNode]:
    return sorted(nodes, key=lambda n: (not n.is_dir, n.name))


def _limit(node_list: list[TreeNode]) -> tuple[list[TreeNode], int]:
    ordered = _node_sort(node_list)
    return ordered[:ENTRIES_PER_FOLDER], max(0, len(ordered) - ENTRIES_PER_FOLDER)


def artifact_tree(*, package: Package | None) -> ArtifactTree:
    """The package's files as a folder tree (1 query)."""
    if package is None:
        return ArtifactTree(roots=[], more=0, file_count=0, truncated=False)
    rows = list(
        PackageFile.objects.filter(package=package)
        .order_by("path")
        .values_list("pk", "path", "size")[: MAX_TREE_FILES + 1]
    )
    truncated = len(rows) > MAX_TREE_FILES
    root = TreeNode(name="", path="", is_dir=True)
    dirs: dict[str, TreeNode] = {"": root}
    for file_id, path, size in rows[:MAX_TREE_FILES]:
        parts = path.split("/")
        parent = root
        for depth in range(len(parts) - 1):
            dir_path = "/".join(parts[: depth + 1])
            node = dirs.get(dir_path)
            if node is None:
                node = TreeNode(name=parts[depth], path=dir_path, is_dir=True)
                dirs[dir_path] = node
                parent.children.append(node)
            parent = node
        parent.children.append(TreeNode(name=parts[-1], path=path, is_dir=False, size=size, file_id=file_id))
    for node in dirs.values():
        node.children, node.more = _limit(node.children)
    return ArtifactTree(
        roots=root.children, more=root.more, file_count=min(len(rows), MAX_TREE_FILES), truncated=truncated
    )


def artifact_file_get(*, package: Package | None, path: str) -> PackageFile | None:
    if package is None or not path:
        return None
    return PackageFile.objects.filter(package=package, path=path).defer("thumbnail").first()


@dataclass
class Preview:
    """What the page shows for one file. kind: image | html | table | text | download."""

    kind: str
    file: PackageFile
    highlighted: str = ""  # Pygments HTML (Pygments escapes the text)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    truncated: bool = False
    note: str = ""


def _read_head(package_file: PackageFile, limit: int) -> tuple[bytes, bool]:
    if package_file.size <= 0:
        return b"", False
    end = min(package_file.size, limit) - 1
    data = b"".join(storage_read(key=package_file.storage_key, start=0, end=end))
    return data[:limit], package_file.size > limit


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 500 else text[:500] + "…"


def _table_preview(package_file: PackageFile, delimiter: str) -> Preview:
    data, cut = _read_head(package_file, TABLE_MAX_BYTES)
    text = _decode(data)
    if cut and "\n" in text:
        text = text.rsplit("\n", 1)[0]  # a row cut in the middle is not shown
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append([_cell(v) for v in row[:TABLE_MAX_COLUMNS]])
            if len(rows) > TABLE_MAX_ROWS + 1:  # the header, the rows shown, and one to know there are more
                break
    except csv.Error:
        return _text_preview(package_file)
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    truncated = cut or len(body) > TABLE_MAX_ROWS
    return Preview(
        kind="table", file=package_file, header=header, rows=body[:TABLE_MAX_ROWS], truncated=truncated
    )


def _parquet_preview(package_file: PackageFile) -> Preview:
    try:
        import pyarrow.parquet as pq  # optional: only where the operator installed pyarrow
    except ImportError:
        return Preview(
            kind="download", file=package_file, note="Parquet previews need pyarrow on the server."
        )
    if package_file.size > PARQUET_MAX_BYTES:
        return Preview(kind="download", file=package_file, note="Too large to preview; download it.")
    data, _ = _read_head(package_file, PARQUET_MAX_BYTES)
    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        batch = next(parquet.iter_batches(batch_size=TABLE_MAX_ROWS), None)
        names = parquet.schema_arrow.names[:TABLE_MAX_COLUMNS]
        columns = [batch.column(i).to_pylist() for i in range(len(names))] if batch is not None else []
    except Exception:  # noqa: BLE001 - any unreadable file is a download, whatever pyarrow raises
        return Preview(kind="download", file=package_file, note="Not a readable parquet file.")
    rows = [[_cell(col[i]) for col in columns] for i in range(len(columns[0]) if columns else 0)]
    return Preview(
        kind="table",
        file=package_file,
        header=list(names),
        rows=rows,
        truncated=parquet.metadata.num_rows > len(rows),
    )


def _highlight(text: str, file_name: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_for_filename
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_for_filename(file_name, stripnl=False)
    except ClassNotFound:
        lexer = TextLexer(stripnl=False)
    if file_name in ("MLmodel", "MLproject"):
        from pygments.lexers import YamlLexer

        lexer = YamlLexer(stripnl=False)
    # Pygments escapes the text it formats (&, <, >, quotes): its output is safe to show as HTML.
    return mark_safe(highlight(text, lexer, HtmlFormatter(cssclass="highlight")))  # noqa: S308


def _text_preview(package_file: PackageFile) -> Preview:
    data, cut = _read_head(package_file, TEXT_MAX_BYTES)
    text = _decode(data)
    if _extension(package_file.file_name) == "json" and not cut:
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return Preview(
        kind="text", file=package_file, highlighted=_highlight(text, package_file.file_name), truncated=cut
    )


def artifact_preview(*, package_file: PackageFile, as_source: bool = False) -> Preview:
    """The preview of one file, reading at most a capped head of it from storage. `as_source`: an HTML file as
    highlighted text instead of the sandboxed frame."""
    display, _ = inline_display(package_file)
    if display is Display.HTML_SANDBOX and as_source:
        return _text_preview(package_file)
    ext = _extension(package_file.file_name)
    if display is Display.IMAGE:
        return Preview(kind="image", file=package_file)
    if display is Display.HTML_SANDBOX:
        return Preview(kind="html", file=package_file)
    if ext == "parquet":
        return _parquet_preview(package_file)
    if display is Display.TEXT:
        if ext in ("csv", "tsv"):
            return _table_preview(package_file, "\t" if ext == "tsv" else ",")
        return _text_preview(package_file)
    return Preview(kind="download", file=package_file)
