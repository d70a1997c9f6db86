//! The languages the product speaks, and every text a person reads in them.
//!
//! The texts live in `locales/<language>/<area>.txt` (`key = text`); `build.rs` turns each key
//! into a constant `t::<area>::<KEY>`, a `T` with the text in every language. Pages and server
//! functions say `t::auth::SIGN_IN.text()` and get the language of the request being answered
//! (`current`): the `lc-lang` cookie the footer's switcher sets, else the signed-in person's
//! Cognito `locale`, else the browser's `Accept-Language` (resolved once per request by
//! `server::layers::session`). Texts are picked on the server only: islands read theirs from the
//! server-rendered page (`data-` attributes), so the browser bundle carries no language's table.
//! The emails (`server::custom_message`) follow the account's `locale` attribute.

/// A language the product is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    De,
}

impl Lang {
    /// In the order of `t::LANGS` (English first, then by tag), which a test checks.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// The language's own name, as the switcher offers it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The BCP 47 tag (`<html lang>`, Cognito's `locale` attribute).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// A tag as Cognito or a browser writes it (`de`, `de-DE`, `de_AT`); `None` for a language
    /// the product is not written in.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// From Cognito's `locale` attribute; English when it is missing or another language.
    pub fn from_locale(locale: &str) -> Lang {
        Lang::parse(locale).unwrap_or_default()
    }

    /// The browser's most preferred language the product is written in (`Accept-Language`,
    /// by q-value, earlier first among equals); English when none is.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else { continue };
            let q = parts
                .find_map(|p| {
                    let p = p.trim();
                    let q = p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))?;
                    q.trim().parse::<f32>().ok()
                })
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

/// The language of the request being answered (server); English outside a request and in the
/// browser, where nothing is translated.
pub fn current() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::use_context;
        use_context::<Lang>()
            .or_else(|| use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Lang>().copied()))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Lang::En
    }
}

/// One text in every language (`t::<area>::<KEY>`, made by `build.rs` from `locales/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct T(pub [&'static str; Lang::ALL.len()]);

impl T {
    /// In the language of the request being answered.
    pub fn text(self) -> &'static str {
        self.in_lang(current())
    }

    pub fn in_lang(self, lang: Lang) -> &'static str {
        self.0[lang.index()]
    }

    /// The text with its `{name}` placeholders filled in, in the request's language.
    pub fn fill(self, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        self.fill_in(current(), args)
    }

    /// In one pass, so a value is never read for placeholders itself.
    pub fn fill_in(self, lang: Lang, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        let mut out = String::new();
        let mut rest = self.in_lang(lang);
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}').and_then(|close| args.iter().find(|(n, _)| *n == &after[..close]).map(|a| (close, a)))
            {
                Some((close, (_, value))) => {
                    out.push_str(&value.to_string());
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// A moment (Unix seconds, UTC) as `lang` writes a date and time (`common.date_time`):
/// `2026-12-03 14:05 UTC`, `03.12.2026, 14:05 UTC`.
pub fn date_time(unix: u64, lang: Lang) -> String {
    // Howard Hinnant's days-to-civil.
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let two = |n: i64| format!("{n:02}");
    t::common::DATE_TIME.fill_in(
        lang,
        &[
            ("year", &year),
            ("month", &two(month)),
            ("day", &two(day)),
            ("hour", &two((secs / 3600) as i64)),
            ("minute", &two((secs % 3600 / 60) as i64)),
        ],
    )
}

/// Every text, by area: `t::auth::SIGN_IN`.
pub mod t {
    include!(concat!(env!("OUT_DIR"), "/texts.rs"));
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn locales_read_as_cognito_and_browsers_write_them() {
        for (l, want) in [
            ("de", Lang::De),
            ("DE-de", Lang::De),
            ("de_CH", Lang::De),
            ("en-GB", Lang::En),
            ("", Lang::En),
            ("fr", Lang::En),
        ] {
            assert_eq!(Lang::from_locale(l), want, "{l}");
        }
    }

    #[test]
    fn the_browsers_first_choice_among_ours_wins() {
        for (header, want) in [
            ("de-DE,de;q=0.9,en;q=0.8", Lang::De),
            ("en-US,en;q=0.9,de;q=0.8", Lang::En),
            ("fr-FR,fr;q=0.9,de;q=0.7,en;q=0.5", Lang::De),
            ("fr, ja", Lang::En),
            ("de;q=0, en", Lang::En),
            ("en;q=0.5, de;q=0.8", Lang::De),
            ("", Lang::En),
        ] {
            assert_eq!(Lang::from_accept_language(header), want, "{header}");
        }
    }

    /// A key written for one language and not another fails here (the build lets the English
    /// text stand in meanwhile, so work in progress compiles).
    #[test]
    fn every_key_is_in_every_language() {
        let mut missing = vec![];
        for (area, key, texts) in super::t::ENTRIES {
            for (lang, text) in super::t::LANGS.iter().zip(texts) {
                if text.is_none_or(|t| t.is_empty()) {
                    missing.push(format!("locales/{lang}/{area}.txt: {key}"));
                }
            }
        }
        assert!(missing.is_empty(), "keys without a text:\n{}", missing.join("\n"));
        assert!(super::t::ENTRIES.len() > 100, "only {} keys: is build.rs reading locales/?", super::t::ENTRIES.len());
    }

    /// No text left in English in another language (a few are the same word in both).
    #[test]
    fn no_text_is_left_untranslated() {
        let same_in_both = [
            ("settings", "please_sign_in_after"),
            ("settings", "no_password_after"),
            ("settings", "passkeys"),
            ("home", "name"),
            ("admin", "status"),
        ];
        let mut left = vec![];
        for (area, key, texts) in super::t::ENTRIES {
            let en = texts[0].unwrap_or_default();
            for (lang, text) in super::t::LANGS.iter().zip(texts).skip(1) {
                if *text == Some(en) && !same_in_both.contains(&(*area, *key)) {
                    left.push(format!("locales/{lang}/{area}.txt: {key} = {en}"));
                }
            }
        }
        assert!(left.is_empty(), "the same as English:\n{}", left.join("\n"));
    }

    /// The same `{placeholders}` in every language.
    #[test]
    fn translations_keep_their_placeholders() {
        let placeholders = |s: &str| {
            let mut names: Vec<String> =
                s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string())).collect();
            names.sort();
            names
        };
        for (area, key, texts) in super::t::ENTRIES {
            let en = texts[0].unwrap_or_default();
            for (lang, text) in super::t::LANGS.iter().zip(texts).skip(1) {
                let text = text.unwrap_or_default();
                assert_eq!(placeholders(text), placeholders(en), "{lang}/{area}.txt: {key}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled_once() {
        let t = super::T(["{a} and {b}, {c}", "{b} und {a}, {c}"]);
        let (a, b) = ("{b}", "B");
        assert_eq!(t.fill_in(Lang::En, &[("a", &a), ("b", &b)]), "{b} and B, {c}");
        assert_eq!(t.fill_in(Lang::De, &[("a", &a), ("b", &b)]), "B und {b}, {c}");
    }

    #[test]
    fn the_languages_are_the_folders_of_locales() {
        assert_eq!(Lang::ALL.map(Lang::tag), super::t::LANGS);
        for (i, lang) in Lang::ALL.into_iter().enumerate() {
            assert_eq!(lang.index(), i);
        }
    }
}
