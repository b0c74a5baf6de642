//! The rule registry's vocabulary: what a rule is to a user (code, name, family, severity,
//! fix availability, the version it applies from) and the codes the tool itself reports. A leaf:
//! it depends on nothing of the crate, and `diagnostic`, `fix`, `rules`, `config` and
//! `semantic` depend on it.

use std::fmt;

/// How serious a finding is on the target websockets version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A behaviour change worth knowing about; the code keeps running.
    Note,
    /// The object still comes from the legacy implementation: works until it is removed.
    Deprecation,
    /// The code fails on the target version (or the file cannot be checked at all).
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Deprecation => "deprecation",
            Severity::Error => "error",
        }
    }
}

/// What a user (and `wsmigrate rules`) knows about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub family: Family,
    /// One line, for the rules table.
    pub summary: &'static str,
    pub fix: FixAvailability,
    pub default_severity: Severity,
    /// Behaviour notes (WS4xx) are opt-in unless they change who can connect.
    pub enabled_by_default: bool,
    /// The first websockets version where the rule applies (the 17.0 removals, for example).
    pub since: Version,
    /// Strings of which at least one must occur in a file for the rule to possibly match.
    /// An empty list means "any file that mentions websockets".
    pub needles: &'static [&'static str],
    /// The rule's documentation: the contents of `rules/<code>.md`.
    pub doc: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    Always,
    Sometimes,
    None,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::Always => "always",
            FixAvailability::Sometimes => "sometimes",
            FixAvailability::None => "none",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    ConnectionAttributes,
    ImportsAndNames,
    CallArguments,
    Callbacks,
    BehaviourNotes,
    /// The threading implementation (`websockets.sync`): WS5xx.
    Threading,
    /// Starting and using the server object: WS6xx.
    Server,
    Tool,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::ConnectionAttributes => "connection attributes",
            Family::ImportsAndNames => "imports and names",
            Family::CallArguments => "call arguments",
            Family::Callbacks => "callbacks",
            Family::BehaviourNotes => "behaviour notes",
            Family::Threading => "threading API",
            Family::Server => "server object",
            Family::Tool => "tool",
        }
    }
}

/// A websockets release, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
    /// Deprecations that came before the new implementation became the default.
    pub const V13_1: Version = Version::new(13, 1);
    pub const V14_0: Version = Version::new(14, 0);
    pub const V14_1: Version = Version::new(14, 1);
    pub const V14_2: Version = Version::new(14, 2);
    pub const V15_0: Version = Version::new(15, 0);
    pub const V16_0: Version = Version::new(16, 0);
    pub const V17_0: Version = Version::new(17, 0);
    /// The newest release the rules know about.
    pub const LATEST: Version = Version::new(17, 4);

    pub const fn new(major: u16, minor: u16) -> Self {
        Version { major, minor }
    }

    /// `"15"`, `"15.0"`, `"15.0.1"` → 15.0.
    pub fn parse(s: &str) -> Option<Version> {
        let mut parts = s.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = match parts.next() {
            Some(m) => m.parse().ok()?,
            None => 0,
        };
        Some(Version { major, minor })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Does a selector (code, prefix, name or `ALL`) name this rule?
pub fn selector_matches(pattern: &str, meta: &RuleMeta) -> bool {
    let upper = pattern.to_ascii_uppercase();
    pattern == meta.name || pattern.eq_ignore_ascii_case("ALL") || meta.code.starts_with(&upper)
}

/// Releases the rules distinguish; a target version must name one of them.
pub const TARGETS: &[Version] = &[
    Version::V14_0,
    Version::V14_1,
    Version::V14_2,
    Version::V15_0,
    Version::V16_0,
    Version::V17_0,
    Version::new(17, 1),
];

/// A target version as written (`15.0`), checked against [`TARGETS`].
pub fn target_version(requested: &str) -> Result<Version, String> {
    match Version::parse(requested) {
        Some(v) if TARGETS.contains(&v) || v == Version::LATEST => Ok(v),
        _ => Err(format!(
            "invalid target version `{requested}`: expected one of 14.0, 14.1, 14.2, 15.0, \
             16.0, 17.0, 17.1, auto"
        )),
    }
}

/// Codes the tool itself reports about files it could not check.
pub mod builtin {
    use super::*;

    pub static IO_ERROR: RuleMeta = RuleMeta {
        code: "WS901",
        name: "io-error",
        family: Family::Tool,
        summary: "The file could not be read or decoded",
        fix: FixAvailability::None,
        default_severity: Severity::Error,
        enabled_by_default: true,
        since: Version::V14_0,
        needles: &[],
        doc: include_str!("../rules/WS901.md"),
    };

    pub static SYNTAX_ERROR: RuleMeta = RuleMeta {
        code: "WS902",
        name: "syntax-error",
        family: Family::Tool,
        summary: "The file could not be parsed",
        fix: FixAvailability::None,
        default_severity: Severity::Error,
        enabled_by_default: true,
        since: Version::V14_0,
        needles: &[],
        doc: include_str!("../rules/WS902.md"),
    };

    pub static FIX_ERROR: RuleMeta = RuleMeta {
        code: "WS903",
        name: "fix-error",
        family: Family::Tool,
        summary: "A fix was dropped: it would have produced invalid code or did not converge",
        fix: FixAvailability::None,
        default_severity: Severity::Error,
        enabled_by_default: true,
        since: Version::V14_0,
        needles: &[],
        doc: include_str!("../rules/WS903.md"),
    };

    pub static UNUSED_NOQA: RuleMeta = RuleMeta {
        code: "WS904",
        name: "unused-noqa",
        family: Family::Tool,
        summary: "A `# noqa` code that suppresses nothing",
        fix: FixAvailability::Always,
        default_severity: Severity::Note,
        enabled_by_default: true,
        since: Version::V14_0,
        needles: &[],
        doc: include_str!("../rules/WS904.md"),
    };

    pub static TOOL: &[&RuleMeta] = &[&IO_ERROR, &SYNTAX_ERROR, &FIX_ERROR, &UNUSED_NOQA];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(Version::parse("15"), Some(Version::V15_0));
        assert_eq!(Version::parse("14.2.1"), Some(Version::V14_2));
        assert_eq!(Version::parse("x"), None);
    }
}
