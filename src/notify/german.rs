//! German articles for authority names in mail texts: "beim Bezirksamt Mitte", "bei der
//! Gemeinde Briesen (Mark)", "an das Amt Odervorland". An authority's name starts with (or,
//! as in "Hanse- und Universitätsstadt Rostock", soon contains) the kind of body, whose
//! grammatical gender decides the article; a name of unknown kind gets none ("bei X").
//! `web/js/i18n.js` (`withArticle`) does the same for the web pages.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gender {
    Feminine,
    Neuter,
    Masculine,
}

const FEMININE: &[&str] = &[
    "stadt",
    "gemeinde",
    "verwaltung",
    "ung",
    "behörde",
    "direktion",
    "polizei",
];
const NEUTER: &[&str] = &["amt", "bad", "dorf", "ministerium", "büro", "zentrum"];
const MASCULINE: &[&str] = &["kreis", "betrieb", "bezirk", "senat", "dienst", "verband"];

fn gender(name: &str) -> Option<Gender> {
    name.split_whitespace().take(4).find_map(|word| {
        let bare: String = word
            .chars()
            .filter(|c| c.is_alphabetic() || *c == '-')
            .flat_map(char::to_lowercase)
            .collect();
        let ends = |list: &[&str]| list.iter().any(|end| bare.ends_with(end));
        if ends(FEMININE) {
            Some(Gender::Feminine)
        } else if ends(NEUTER) {
            Some(Gender::Neuter)
        } else if ends(MASCULINE) {
            Some(Gender::Masculine)
        } else {
            None
        }
    })
}

/// "beim Bezirksamt Mitte", "bei der Stadt Zehdenick" (dative).
pub fn bei(name: &str) -> String {
    match gender(name) {
        Some(Gender::Feminine) => format!("bei der {name}"),
        Some(_) => format!("beim {name}"),
        None => format!("bei {name}"),
    }
}

/// "vom Bezirksamt Mitte", "von der Gemeinde Briesen (Mark)" (dative).
pub fn von(name: &str) -> String {
    match gender(name) {
        Some(Gender::Feminine) => format!("von der {name}"),
        Some(_) => format!("vom {name}"),
        None => format!("von {name}"),
    }
}

/// "an das Amt Odervorland", "an den Landkreis Oder-Spree" (accusative).
pub fn an(name: &str) -> String {
    format!("an {}", accusative(name))
}

/// "für das Bezirksamt Mitte" (accusative).
pub fn fuer(name: &str) -> String {
    format!("für {}", accusative(name))
}

/// "Das Bezirksamt Mitte", "Die Stadt Zehdenick" at the start of a sentence (nominative).
pub fn subject(name: &str) -> String {
    match gender(name) {
        Some(Gender::Feminine) => format!("Die {name}"),
        Some(Gender::Neuter) => format!("Das {name}"),
        Some(Gender::Masculine) => format!("Der {name}"),
        None => name.to_owned(),
    }
}

fn accusative(name: &str) -> String {
    match gender(name) {
        Some(Gender::Feminine) => format!("die {name}"),
        Some(Gender::Neuter) => format!("das {name}"),
        Some(Gender::Masculine) => format!("den {name}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_names_take_their_article() {
        assert_eq!(bei("Bezirksamt Mitte"), "beim Bezirksamt Mitte");
        assert_eq!(bei("Amt Odervorland"), "beim Amt Odervorland");
        assert_eq!(
            bei("Gemeinde Briesen (Mark)"),
            "bei der Gemeinde Briesen (Mark)"
        );
        assert_eq!(bei("Stadt Zehdenick"), "bei der Stadt Zehdenick");
        assert_eq!(
            bei("Hanse- und Universitätsstadt Rostock"),
            "bei der Hanse- und Universitätsstadt Rostock"
        );
        assert_eq!(bei("Ostseebad Binz"), "beim Ostseebad Binz");
        assert_eq!(
            bei("Verkehrslenkung Berlin"),
            "bei der Verkehrslenkung Berlin"
        );
        assert_eq!(von("Landkreis Oder-Spree"), "vom Landkreis Oder-Spree");
        assert_eq!(an("Landkreis Oder-Spree"), "an den Landkreis Oder-Spree");
        assert_eq!(
            fuer("Verbandsgemeinde Röbel-Müritz"),
            "für die Verbandsgemeinde Röbel-Müritz"
        );
        assert_eq!(subject("Bezirksamt <Mitte>"), "Das Bezirksamt <Mitte>");
        // A name of unknown kind gets no article rather than a wrong one.
        assert_eq!(bei("Muster"), "bei Muster");
        assert_eq!(subject("Muster"), "Muster");
    }
}
