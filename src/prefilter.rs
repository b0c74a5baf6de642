//! Stage 2: skip files no enabled rule could match, before parsing them. The needles come from
//! the rules themselves (`RuleMeta::needles`).

use aho_corasick::AhoCorasick;
use memchr::memmem;

use crate::registry::RuleMeta;

/// Every finding needs websockets in the file: an import, or at least the name.
const WEBSOCKETS: &str = "websockets";

pub struct Prefilter {
    /// SIMD substring search for `websockets`: most files of a tree fail here, at close to the
    /// cost of reading them.
    websockets: memmem::Finder<'static>,
    /// The rule needles; `None` when some enabled rule has none (then `websockets` suffices).
    needles: Option<AhoCorasick>,
}

impl Prefilter {
    pub fn new(rules: &[&'static RuleMeta]) -> Prefilter {
        let mut needles: Vec<&str> = Vec::new();
        for rule in rules {
            for needle in rule.needles {
                if !needles.contains(needle) {
                    needles.push(needle);
                }
            }
        }
        let websockets_suffices = rules.iter().any(|r| r.needles.is_empty()) || needles.is_empty();
        Prefilter {
            websockets: memmem::Finder::new(WEBSOCKETS.as_bytes()),
            needles: (!websockets_suffices)
                .then(|| AhoCorasick::new(&needles).expect("needles are plain strings")),
        }
    }

    /// Does the file mention websockets at all? (The project stage starts from those files.)
    pub fn mentions_websockets(&self, text: &[u8]) -> bool {
        self.websockets.find(text).is_some()
    }

    /// Could any enabled rule report something in this file? Works on raw bytes, so files
    /// that cannot match are never decoded either.
    pub fn may_match(&self, text: &[u8]) -> bool {
        self.websockets.find(text).is_some()
            && self.needles.as_ref().is_none_or(|n| n.is_match(text))
    }
}

/// The rule needles for which a top-level statement that names nothing leading to websockets
/// is still walked (`Rule::unit_needles`, `semantic::focus`).
pub struct UnitNeedles {
    /// `None`: some enabled rule needs every statement, so nothing is skipped.
    needles: Option<Vec<memmem::Finder<'static>>>,
}

impl UnitNeedles {
    /// From each enabled rule's `unit_needles`.
    pub fn new(lists: impl IntoIterator<Item = Option<&'static [&'static str]>>) -> UnitNeedles {
        let mut needles: Vec<&'static str> = Vec::new();
        for list in lists {
            let Some(list) = list else {
                return UnitNeedles { needles: None };
            };
            for needle in list {
                if !needles.contains(needle) {
                    needles.push(needle);
                }
            }
        }
        UnitNeedles {
            needles: Some(
                needles
                    .iter()
                    .map(|n| memmem::Finder::new(n.as_bytes()))
                    .collect(),
            ),
        }
    }

    /// May statements be skipped at all?
    pub fn focused(&self) -> bool {
        self.needles.is_some()
    }

    /// Where the needles start in `text` (a few SIMD scans of the file).
    pub fn offsets(&self, text: &str) -> Vec<usize> {
        let Some(needles) = &self.needles else {
            return Vec::new();
        };
        let mut offsets: Vec<usize> = needles
            .iter()
            .flat_map(|n| n.find_iter(text.as_bytes()))
            .collect();
        offsets.sort_unstable();
        offsets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ALL;

    #[test]
    fn needs_websockets_and_a_rule_needle() {
        let metas: Vec<_> = ALL
            .iter()
            .map(|r| r.meta())
            .filter(|m| m.code == "WS001")
            .collect();
        let p = Prefilter::new(&metas);
        assert!(p.may_match(b"import websockets\nws.fail_connection()\n"));
        assert!(!p.may_match(b"import websockets\nws.close()\n"));
        assert!(!p.may_match(b"conn.fail_connection()\n"));
    }
}
