"""Writes `<file>.gz` and `<file>.br` beside every file of the site root, as
`cargo leptos build --release --precompress` does for release builds, so the test server
(a debug build) serves precompressed files the same way. Usage: precompress.py <site-root>"""

import gzip
import sys
from pathlib import Path

import brotli


def precompress(root: Path) -> int:
    count = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in (".gz", ".br"):
            continue
        data = path.read_bytes()
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, 9, mtime=0))
        path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=11))
        count += 1
    return count


if __name__ == "__main__":
    root = Path(sys.argv[1])
    print(f"precompressed {precompress(root)} files under {root}")
