//! Display names for areas and authorities, from the names of the official register.
//!
//! GV100AD writes a town's legal designation after a comma ("Bernau bei Berlin, Stadt",
//! "Rostock, Hanse- und Universitätsstadt"); people say it the other way round.

/// The plain name without the designation: "Bernau bei Berlin, Stadt" → "Bernau bei Berlin".
pub fn plain_name(official: &str) -> &str {
    official.split_once(", ").map_or(official, |(name, _)| name)
}

/// How the municipality calls itself as an authority: "Stadt Bernau bei Berlin",
/// "Hanse- und Universitätsstadt Rostock", or "Gemeinde Ahrensfelde" where the register has no
/// designation.
pub fn municipality_authority_name(official: &str) -> String {
    match official.split_once(", ") {
        Some((name, designation)) => format!("{designation} {name}"),
        None => format!("Gemeinde {official}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn designations_move_to_the_front() {
        assert_eq!(plain_name("Bernau bei Berlin, Stadt"), "Bernau bei Berlin");
        assert_eq!(plain_name("Briesen (Mark)"), "Briesen (Mark)");
        assert_eq!(
            municipality_authority_name("Rostock, Hanse- und Universitätsstadt"),
            "Hanse- und Universitätsstadt Rostock"
        );
        assert_eq!(
            municipality_authority_name("Potsdam, Stadt"),
            "Stadt Potsdam"
        );
        assert_eq!(
            municipality_authority_name("Ahrensfelde"),
            "Gemeinde Ahrensfelde"
        );
    }
}
