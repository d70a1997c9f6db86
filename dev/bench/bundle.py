"""The files of this build in target/site/pkg (by hash.txt and the split manifest), raw, gzip -9
and brotli 11, and what each lazy island adds when its page hydrates it.
Usage: bundle.py <pkg-dir> <hash.txt>

`bundle.py texts <pkg-dir>` fails when a text of `locales/` is in a WASM file: islands get
their texts from the page, so the bundle holds no language and does not grow with more."""

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


def texts_in_wasm(pkg: Path) -> None:
    wasm = [f.read_bytes() for f in sorted(pkg.glob("*.wasm"))]
    assert wasm, f"no .wasm in {pkg}"
    found, checked = [], 0
    for file in sorted(Path("locales").glob("*/*.txt")):
        for line in file.read_text().splitlines():
            key, sep, text = line.partition("=")
            # Short texts ("Code", "Admin") could be anything's bytes; placeholders split a text.
            piece = max(text.strip().split("{"), key=len).split("}")[-1].strip()
            if line.lstrip().startswith("#") or not sep or len(piece) < 12:
                continue
            checked += 1
            if any(piece.encode() in w for w in wasm):
                found.append(f"{file}: {key.strip()}: {piece}")
    print(f"{checked} texts of locales/ looked for in {len(wasm)} wasm files: {len(found)} found")
    if found:
        sys.exit("texts in the browser bundle (an island should read them from the page):\n" + "\n".join(found))


if __name__ == "__main__":
    if sys.argv[1] == "texts":
        texts_in_wasm(Path(sys.argv[2]))
    else:
        main()
