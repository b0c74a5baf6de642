//! Stage 2: skip files no enabled rule could match, before parsing them. The needles come from
//! the rules themselves (`RuleMeta::needles`).

use aho_corasick::AhoCorasick;

use crate::rules::RuleMeta;

/// Every finding needs websockets in the file: an import, or at least the name.
const WEBSOCKETS: &str = "websockets";

pub struct Prefilter {
    matcher: AhoCorasick,
    /// Index 0 is `websockets`; the rest are rule needles.
    needle_count: usize,
    /// Some enabled rule has no needle of its own: `websockets` alone suffices.
    websockets_suffices: bool,
}

impl Prefilter {
    pub fn new(rules: &[&'static RuleMeta]) -> Prefilter {
        let mut needles: Vec<&str> = vec![WEBSOCKETS];
        for rule in rules {
            for needle in rule.needles {
                if !needles.contains(needle) {
                    needles.push(needle);
                }
            }
        }
        Prefilter {
            matcher: AhoCorasick::new(&needles).expect("needles are plain strings"),
            needle_count: needles.len(),
            websockets_suffices: rules.iter().any(|r| r.needles.is_empty()),
        }
    }

    /// Could any enabled rule report something in this file? Works on raw bytes, so files
    /// that cannot match are never decoded either.
    pub fn may_match(&self, text: &[u8]) -> bool {
        let mut seen_websockets = false;
        let mut seen_needle = self.websockets_suffices || self.needle_count == 1;
        for m in self.matcher.find_overlapping_iter(text) {
            if m.pattern().as_usize() == 0 {
                seen_websockets = true;
            } else {
                seen_needle = true;
            }
            if seen_websockets && seen_needle {
                return true;
            }
        }
        false
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
