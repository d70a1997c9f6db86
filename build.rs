//! Turns the translations in `locales/<language>/<area>.txt` into constants: every key of an
//! area becomes `crate::i18n::t::<area>::<KEY>`, a `T` holding its text in each language
//! (English first, then the other folders in name order). A file's lines are `key = text`;
//! `#` starts a comment line. A key missing from one language still builds (the English text
//! stands in) so work in progress compiles, but `i18n::tests::every_key_is_in_every_language`
//! fails until it is translated.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new("locales");
    println!("cargo:rerun-if-changed=locales");
    let mut langs: Vec<String> = std::fs::read_dir(root)
        .expect("locales/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    langs.sort_by_key(|l| (l != "en", l.clone()));
    // area -> key -> text per language
    let mut areas: BTreeMap<String, BTreeMap<String, Vec<Option<String>>>> = BTreeMap::new();
    for (i, lang) in langs.iter().enumerate() {
        let dir = root.join(lang);
        println!("cargo:rerun-if-changed={}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let area = path.file_stem().unwrap().to_string_lossy().into_owned();
            // Only `<area>.txt`: an editor's backup or swap file, or a note, is not a text file.
            if path.extension().is_none_or(|e| e != "txt") || !is_name(&area) {
                continue;
            }
            println!("cargo:rerun-if-changed={}", path.display());
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let line = line.trim().trim_start_matches('\u{feff}').trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let Some((key, value)) = line.split_once('=') else {
                    panic!("{}:{}: expected `key = text`", path.display(), n + 1);
                };
                let key = key.trim();
                assert!(
                    is_name(key),
                    "{}:{}: a key is lower_snake_case, starting with a letter: {key:?}",
                    path.display(),
                    n + 1
                );
                let texts =
                    areas.entry(area.clone()).or_default().entry(key.to_string()).or_insert(vec![None; langs.len()]);
                assert!(texts[i].is_none(), "{}:{}: {key} is there twice", path.display(), n + 1);
                texts[i] = Some(value.trim().to_string());
            }
        }
    }
    let mut out = String::new();
    writeln!(out, "/// The languages, in the order of every `T`'s texts.").unwrap();
    writeln!(out, "pub const LANGS: [&str; {}] = {:?};", langs.len(), langs).unwrap();
    let mut entries = String::new();
    for (area, keys) in &areas {
        writeln!(out, "pub mod {area} {{\n    use crate::i18n::T;").unwrap();
        for (key, texts) in keys {
            let fallback = texts.iter().flatten().next().unwrap();
            let all: Vec<&str> = texts.iter().map(|t| t.as_deref().unwrap_or(fallback)).collect();
            writeln!(out, "    pub const {}: T = T({:?});", key.to_ascii_uppercase(), all).unwrap();
            writeln!(entries, "    ({area:?}, {key:?}, {texts:?}),").unwrap();
        }
        writeln!(out, "}}").unwrap();
    }
    writeln!(out, "/// Every key as written in the files: (area, key, its text in each language, if any).").unwrap();
    writeln!(
        out,
        "#[cfg(test)]\npub const ENTRIES: &[(&str, &str, [Option<&str>; {}])] = &[\n{entries}];",
        langs.len()
    )
    .unwrap();
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("texts.rs");
    std::fs::write(dest, out).unwrap();
}

/// A lower_snake_case name starting with a letter: a key, or an area (a module).
fn is_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
