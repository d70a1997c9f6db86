//! The languages the product speaks. Today the emails Cognito sends (`server::custom_message`)
//! come in English and German, chosen by the account's `locale` attribute, which sign-up sets from
//! the browser's `Accept-Language`; the pages are English only (issue 12 is under way).

/// A language the product is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    De,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

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
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()))
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
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
}
