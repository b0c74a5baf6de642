//! What a check run is configured to do: which rules, which target version, which fix styles.
//! Built from the command line (and, later, configuration files) before the pipeline starts.

use crate::diagnostic::Applicability;
use crate::registry::{RuleMeta, Version};

pub use crate::config::FailConnectionStyle;
pub use crate::registry::selector_matches;
pub use crate::target::Target;

#[derive(Debug, Clone)]
pub struct Settings {
    pub rules: Vec<&'static RuleMeta>,
    pub target: Target,
    pub fail_connection_style: FailConnectionStyle,
    /// The least safe fix the run applies.
    pub fix_applicability: Applicability,
    /// Report `# noqa` codes that suppress nothing (WS904).
    pub unused_noqa: bool,
    /// Rules switched off for some files by configuration.
    pub per_file_ignores: crate::config::PerFileIgnores,
    /// The roots first-party module names are computed from (absolute): a module under one
    /// imports modules under the others by their names there.
    pub src: Vec<std::path::PathBuf>,
}

impl Settings {
    pub fn is_enabled(&self, meta: &RuleMeta) -> bool {
        self.rules.iter().any(|m| std::ptr::eq(*m, meta))
    }
}

/// Rule selection as ruff does it: `select` replaces the default set, `extend-select` adds to it,
/// `ignore` removes; each entry is a code or a code prefix (`WS0`, `WS1`, `WS`) or a rule name.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Selection {
    /// The rules of `known` (every rule, as `rules::ALL` lists them) this selection enables
    /// for `target`. A selector must name one of them or a tool code.
    pub fn resolve(
        &self,
        known: &[&'static RuleMeta],
        target: Version,
    ) -> Result<Vec<&'static RuleMeta>, String> {
        for pattern in self
            .select
            .iter()
            .flatten()
            .chain(&self.extend_select)
            .chain(&self.ignore)
        {
            let mut metas = known.iter().chain(crate::registry::builtin::TOOL);
            if !metas.any(|m| matches(pattern, m)) {
                return Err(format!("unknown rule selector `{pattern}`"));
            }
        }
        Ok(known
            .iter()
            .copied()
            .filter(|m| self.enables(m))
            .filter(|m| m.since <= target)
            .collect())
    }

    /// Does the selection turn this rule (or tool code, such as WS904) on?
    pub fn enables(&self, m: &RuleMeta) -> bool {
        let selected = match &self.select {
            Some(patterns) => patterns.iter().any(|p| explicit_or_family(p, m)),
            None => m.enabled_by_default,
        };
        (selected || self.extend_select.iter().any(|p| matches(p, m)))
            && !self.ignore.iter().any(|p| matches(p, m))
    }
}

fn matches(pattern: &str, meta: &RuleMeta) -> bool {
    selector_matches(pattern, meta)
}

/// `--select WS` (or `ALL`) means the default set plus nothing hidden; naming a family (`WS4`) or
/// a code turns opt-in rules on.
fn explicit_or_family(pattern: &str, meta: &RuleMeta) -> bool {
    let upper = pattern.to_ascii_uppercase();
    if upper == "WS" || upper == "ALL" {
        return meta.enabled_by_default;
    }
    matches(pattern, meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<&'static RuleMeta> {
        crate::rules::ALL.iter().map(|r| r.meta()).collect()
    }

    #[test]
    fn selection_by_prefix_and_ignore() {
        let sel = Selection {
            select: Some(vec!["WS0".into()]),
            ..Default::default()
        };
        let rules = sel.resolve(&known(), Version::LATEST).unwrap();
        assert!(rules.iter().all(|m| m.code.starts_with("WS0")));
        assert!(!rules.is_empty());
        let sel = Selection {
            ignore: vec!["WS001".into()],
            ..Default::default()
        };
        let rules = sel.resolve(&known(), Version::LATEST).unwrap();
        assert!(rules.iter().all(|m| m.code != "WS001"));
        let bad = Selection {
            select: Some(vec!["XY1".into()]),
            ..Default::default()
        };
        assert!(bad.resolve(&known(), Version::LATEST).is_err());
    }
}
