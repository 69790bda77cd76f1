//! How well a folded query matches a folded name, as a rank: exact before prefix before a
//! word's prefix before a near miss (a small edit distance).

/// How a name matched, best first (the derived order is the ranking order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The whole name, e.g. "briesen" for "Briesen".
    Exact,
    /// The start of the name, e.g. "briesen" for "Briesen (Mark)".
    Prefix,
    /// The start of a later word, e.g. "muritz" for "Waren (Müritz)".
    WordPrefix,
    /// The start of the name or of a word with a few typing errors, e.g. "brisen".
    Fuzzy,
}

/// A match with its edit distance (0 unless `Fuzzy`); the derived order ranks matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// The kind.
    pub kind: MatchKind,
    /// Typing errors forgiven (insertions, deletions, substitutions, transpositions).
    pub distance: u8,
}

/// A folded name prepared for matching: its characters and where its words start.
#[derive(Debug, Clone)]
pub struct Key {
    text: String,
    chars: Vec<char>,
    word_starts: Vec<usize>,
}

impl Key {
    /// Prepares a folded name (see [`super::normalize::fold`]).
    pub fn new(folded: String) -> Self {
        let chars: Vec<char> = folded.chars().collect();
        let word_starts = (0..chars.len())
            .filter(|&i| i == 0 || chars[i - 1] == ' ')
            .collect();
        Self {
            text: folded,
            chars,
            word_starts,
        }
    }
}

/// A folded query prepared for matching.
#[derive(Debug, Clone)]
pub struct Query {
    text: String,
    chars: Vec<char>,
    max_distance: u8,
}

impl Query {
    /// Prepares a folded, non-empty query. Typing errors are forgiven by length: none up to 3
    /// characters (too many names would match), one up to 6, two beyond.
    pub fn new(folded: String) -> Self {
        let chars: Vec<char> = folded.chars().collect();
        let max_distance = match chars.len() {
            0..=3 => 0,
            4..=6 => 1,
            _ => 2,
        };
        Self {
            text: folded,
            chars,
            max_distance,
        }
    }

    /// The exact kinds of match (no typing errors), if any.
    pub fn exact_match(&self, key: &Key) -> Option<Match> {
        let kind = if key.text == self.text {
            MatchKind::Exact
        } else if key.text.starts_with(&self.text) {
            MatchKind::Prefix
        } else if key
            .word_starts
            .iter()
            .skip(1)
            .any(|&start| key.chars[start..].starts_with(&self.chars))
        {
            MatchKind::WordPrefix
        } else {
            return None;
        };
        Some(Match { kind, distance: 0 })
    }

    /// A near miss: the smallest edit distance between the query and the start of the name
    /// or of one of its words, if within the forgiven number of errors. `rows` is scratch
    /// space, made once per search.
    pub fn fuzzy_match(&self, key: &Key, rows: &mut Rows) -> Option<Match> {
        if self.max_distance == 0 {
            return None;
        }
        key.word_starts
            .iter()
            .filter_map(|&start| {
                prefix_distance(&self.chars, &key.chars[start..], self.max_distance, rows)
            })
            .min()
            .map(|distance| Match {
                kind: MatchKind::Fuzzy,
                distance,
            })
    }
}

/// The widest row [`prefix_distance`] keeps on the stack: a query of 100 characters (the
/// API's limit), each possibly folded to two ("ß" → "ss"), plus two insertions and the empty
/// prefix. Longer queries are not matched with typing errors.
const MAX_ROW: usize = 2 * super::QUERY_MAX_CHARS + 3;

/// Scratch rows for [`prefix_distance`]: made once per search, because the distance runs
/// for thousands of names per query and allocating or clearing rows each time cost more than
/// the distance itself (measured with `cargo bench --bench places`).
pub struct Rows(Box<[[u16; MAX_ROW]; 3]>);

impl Rows {
    /// Fresh scratch space.
    pub fn new() -> Self {
        Self(Box::new([[0; MAX_ROW]; 3]))
    }
}

impl Default for Rows {
    fn default() -> Self {
        Self::new()
    }
}

/// The smallest optimal-string-alignment distance between `query` and any prefix of `text`,
/// if it is at most `max`. A row of the usual dynamic programme per query character (each
/// cell is written before it is read, so the scratch rows need no clearing); the search stops
/// as soon as every cell of a row exceeds `max`.
fn prefix_distance(query: &[char], text: &[char], max: u8, scratch: &mut Rows) -> Option<u8> {
    let max = u16::from(max);
    // Prefixes longer than the query plus the allowed insertions can only cost more.
    let text = &text[..text.len().min(query.len() + usize::from(max))];
    let width = text.len() + 1;
    if width > MAX_ROW || query.len() >= MAX_ROW {
        return None;
    }
    // Rows i-2, i-1 and i of the programme, rotating.
    let rows = &mut *scratch.0;
    for (j, cell) in rows[1][..width].iter_mut().enumerate() {
        *cell = j as u16;
    }
    for (i, &q) in query.iter().enumerate() {
        let (before, previous, current) = (i % 3, (i + 1) % 3, (i + 2) % 3);
        rows[current][0] = i as u16 + 1;
        let mut row_min = rows[current][0];
        for j in 1..width {
            let cost = u16::from(text[j - 1] != q);
            let mut cell = (rows[previous][j - 1] + cost)
                .min(rows[previous][j] + 1)
                .min(rows[current][j - 1] + 1);
            if i > 0 && j > 1 && q == text[j - 2] && query[i - 1] == text[j - 1] {
                cell = cell.min(rows[before][j - 2] + 1);
            }
            rows[current][j] = cell;
            row_min = row_min.min(cell);
        }
        if row_min > max {
            return None;
        }
    }
    // The last row: the distance of the whole query to every prefix.
    let last = (query.len() + 1) % 3;
    rows[last][..width]
        .iter()
        .copied()
        .min()
        .filter(|&d| d <= max)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::places::normalize::fold;

    fn key(name: &str) -> Key {
        Key::new(fold(name))
    }

    fn query(text: &str) -> Query {
        Query::new(fold(text))
    }

    fn best(q: &str, name: &str) -> Option<Match> {
        let (q, k) = (query(q), key(name));
        q.exact_match(&k)
            .or_else(|| q.fuzzy_match(&k, &mut Rows::new()))
    }

    #[test]
    fn exact_prefix_and_word_prefix() {
        assert_eq!(
            best("Briesen", "Briesen").map(|m| m.kind),
            Some(MatchKind::Exact)
        );
        assert_eq!(
            best("briesen", "Briesen (Mark)").map(|m| m.kind),
            Some(MatchKind::Prefix)
        );
        assert_eq!(
            best("Mueritz", "Waren (Müritz)").map(|m| m.kind),
            Some(MatchKind::WordPrefix)
        );
        assert_eq!(
            best("Muritz", "Seeheilbad Graal-Müritz").map(|m| m.kind),
            Some(MatchKind::WordPrefix)
        );
        assert_eq!(
            best("mark", "Briesen (Mark)").map(|m| m.kind),
            Some(MatchKind::WordPrefix)
        );
        assert_eq!(
            best("Gross Kreutz", "Groß Kreutz (Havel)").map(|m| m.kind),
            Some(MatchKind::Prefix)
        );
    }

    #[test]
    fn typing_errors_are_forgiven_by_length() {
        assert_eq!(
            best("Brisen", "Briesen"),
            Some(Match {
                kind: MatchKind::Fuzzy,
                distance: 1
            })
        );
        // A transposition is one error.
        assert_eq!(best("Breisen", "Briesen").map(|m| m.distance), Some(1));
        assert_eq!(best("Potsdamm", "Potsdam").map(|m| m.distance), Some(1));
        assert_eq!(
            best("Eberwsalde", "Eberswalde").map(|m| m.distance),
            Some(1)
        );
        assert_eq!(
            best("Neubrandenbrug", "Neubrandenburg").map(|m| m.distance),
            Some(1)
        );
        // The start of a name while typing, with a slip.
        assert_eq!(
            best("Neubrn", "Neubrandenburg").map(|m| m.distance),
            Some(1)
        );
        // Short queries must match as typed: "Bri" would be near far too many names.
        assert_eq!(best("Bri", "Bre"), None);
        // Two errors only from 7 characters on.
        assert_eq!(best("Brsien", "Briesen").map(|m| m.distance), None);
        assert_eq!(
            best("Eberswlade", "Eberswalde").map(|m| m.distance),
            Some(1)
        );
        assert_eq!(
            best("Ebreswlade", "Eberswalde").map(|m| m.distance),
            Some(2)
        );
        assert_eq!(best("Potsdam", "Cottbus"), None);
    }

    #[test]
    fn the_derived_order_ranks_matches() {
        let exact = Match {
            kind: MatchKind::Exact,
            distance: 0,
        };
        let prefix = Match {
            kind: MatchKind::Prefix,
            distance: 0,
        };
        let word = Match {
            kind: MatchKind::WordPrefix,
            distance: 0,
        };
        let near = Match {
            kind: MatchKind::Fuzzy,
            distance: 1,
        };
        let far = Match {
            kind: MatchKind::Fuzzy,
            distance: 2,
        };
        let mut all = vec![far, word, near, exact, prefix];
        all.sort();
        assert_eq!(all, vec![exact, prefix, word, near, far]);
    }
}
