//! The spelling-insensitive form of a place name, shared by the index and the query.
//!
//! Citizens type names the way their keyboard lets them: "Mueritz" or "Muritz" for "Müritz",
//! "Strasse" for "Straße", all lower case, with or without the hyphen of "Graal-Müritz". Both
//! sides are folded the same way, so any of these spellings meet in one form:
//! lower case, ß → ss, accents and umlauts dropped (ä → a), the German transcriptions
//! ae/oe/ue collapsed to a/o/u, and every run of characters that is not a letter or digit
//! (space, hyphen, slash, brackets, dots) turned into one space.

/// The folded form of `text`: lower case ASCII-ish words separated by single spaces, with no
/// space at either end. Empty when `text` has no letter or digit.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if !c.is_alphanumeric() {
            gap = !out.is_empty();
            continue;
        }
        if gap {
            out.push(' ');
            gap = false;
        }
        match base_letters(c) {
            Some(letters) => {
                for letter in letters.chars() {
                    push_letter(&mut out, letter);
                }
            }
            None => push_letter(&mut out, c),
        }
    }
    out
}

/// Appends a letter, dropping the `e` of ae/oe/ue: "mueritz" and "müritz" (→ "muritz") meet.
fn push_letter(out: &mut String, letter: char) {
    if letter == 'e' && matches!(out.chars().last(), Some('a' | 'o' | 'u')) {
        return;
    }
    out.push(letter);
}

/// The plain letters of an accented letter, or `None` when it has no accent to drop.
fn base_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'ä' | 'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ą' => "a",
        'ö' | 'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ő' => "o",
        'ü' | 'ù' | 'ú' | 'û' | 'ű' | 'ů' => "u",
        'é' | 'è' | 'ê' | 'ë' | 'ę' | 'ě' => "e",
        'í' | 'ì' | 'î' | 'ï' => "i",
        'ç' | 'ć' | 'č' => "c",
        'ñ' | 'ń' | 'ň' => "n",
        'ł' => "l",
        'ś' | 'š' => "s",
        'ź' | 'ż' | 'ž' => "z",
        'ý' | 'ÿ' => "y",
        'ř' => "r",
        'ď' => "d",
        'ť' => "t",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn umlauts_and_their_transcriptions_meet() {
        assert_eq!(fold("Müritz"), "muritz");
        assert_eq!(fold("Mueritz"), "muritz");
        assert_eq!(fold("Muritz"), "muritz");
        assert_eq!(fold("MÜRITZ"), "muritz");
        assert_eq!(fold("Altdöbern"), fold("Altdoebern"));
        assert_eq!(fold("Märkisch Buchholz"), fold("Maerkisch Buchholz"));
    }

    #[test]
    fn sharp_s_is_ss() {
        assert_eq!(fold("Straße"), fold("Strasse"));
        assert_eq!(fold("Großbeeren"), "grossbeeren");
        assert_eq!(fold("GROSSBEEREN"), "grossbeeren");
    }

    #[test]
    fn punctuation_separates_words() {
        assert_eq!(fold("Briesen (Mark)"), "briesen mark");
        assert_eq!(fold("Graal-Müritz"), "graal muritz");
        assert_eq!(fold("  Schwedt/Oder "), "schwedt oder");
        assert_eq!(fold("Frankfurt (Oder), Stadt"), "frankfurt oder stadt");
        assert_eq!(fold("Sankt   Kilian"), "sankt kilian");
    }

    #[test]
    fn nothing_to_search_folds_to_empty() {
        assert_eq!(fold(""), "");
        assert_eq!(fold(" -/() "), "");
    }

    #[test]
    fn other_accents_are_dropped() {
        assert_eq!(fold("Słubice"), "slubice");
        assert_eq!(fold("Chóśebuz"), "chosebuz");
    }
}
