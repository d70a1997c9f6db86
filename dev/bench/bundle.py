"""The files of this build in target/site/pkg (by hash.txt and the split manifest), raw, gzip -9
and brotli 11, and what each lazy island adds when its page hydrates it.
Usage: bundle.py <pkg-dir> <hash.txt>"""

import gzip
import json
import sys
from pathlib import Path

import brotli


def sizes(path: Path) -> tuple[int, int, int]:
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, 9)), len(brotli.compress(data, quality=11))


def main() -> None:
    pkg, hash_file = Path(sys.argv[1]), Path(sys.argv[2])
    hashes = dict(line.split(": ", 1) for line in hash_file.read_text().splitlines() if ": " in line)
    main_files = [f"leptos-cognito.{hashes[k]}.{k}" for k in ("wasm", "js", "css")]
    main_files.append(f"__wasm_split.{hashes['split']}.js")
    print(f"{'file':<44}{'raw':>9}{'gzip':>9}{'brotli':>9}")
    total = [0, 0, 0]
    for name in main_files:
        s = sizes(pkg / name)
        total = [a + b for a, b in zip(total, s, strict=True)]
        print(f"{name.split('.')[0] + '.' + name.split('.')[-1]:<44}{s[0]:>9}{s[1]:>9}{s[2]:>9}")
    print(f"{'every page with an island':<44}{total[0]:>9}{total[1]:>9}{total[2]:>9}")
    manifest = json.loads((pkg / f"__wasm_split_manifest.{hashes['manifest']}.json").read_text())
    for split, chunks in sorted(manifest.items()):
        s = [0, 0, 0]
        for chunk in chunks:
            s = [a + b for a, b in zip(s, sizes(pkg / f"{chunk}.wasm"), strict=True)]
        island = split.rsplit("_loader", 1)[0]
        print(f"{'+ lazy island ' + island:<44}{s[0]:>9}{s[1]:>9}{s[2]:>9}")


if __name__ == "__main__":
    main()
