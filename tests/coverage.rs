//! `rules/COVERAGE.md` lists every change of the upgrade surface with the rule covering it.
//! This keeps it true: each rule code it names is registered, each registered rule is named in
//! it, each row has a known coverage (and a rule exactly when it is covered), and the counts
//! comment matches the table.

use std::collections::BTreeMap;

use wsmigrate::rules;

const STATUSES: &[&str] = &["fixed", "report-only", "out-of-reach", "open"];

#[test]
fn coverage_table_matches_the_registry() {
    let page = include_str!("../rules/COVERAGE.md");
    let registered: Vec<&str> = rules::ALL.iter().map(|r| r.meta().code).collect();
    let mut counts: BTreeMap<&str, usize> = STATUSES.iter().map(|s| (*s, 0)).collect();
    let mut named = Vec::new();
    let mut listed = 0;
    for line in page.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| # | change | source | coverage | rules | note |`
        if cells.len() < 7 || cells[1].parse::<usize>().is_err() {
            continue;
        }
        listed += 1;
        assert_eq!(
            cells[1].parse::<usize>().unwrap(),
            listed,
            "rows are numbered in order"
        );
        let status = cells[4];
        *counts
            .get_mut(status)
            .unwrap_or_else(|| panic!("row {listed}: unknown coverage `{status}`")) += 1;
        let codes: Vec<&str> = cells[5]
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let covered = matches!(status, "fixed" | "report-only");
        assert_eq!(
            !codes.is_empty(),
            covered,
            "row {listed}: rules iff covered"
        );
        if !covered {
            assert!(
                !cells[6].is_empty(),
                "row {listed}: say why nothing covers it"
            );
        }
        for code in codes {
            assert!(
                registered.contains(&code),
                "row {listed}: unknown rule {code}"
            );
            named.push(code);
        }
    }
    for code in &registered {
        assert!(
            named.contains(code),
            "{code} is registered but not in rules/COVERAGE.md"
        );
    }
    // Every code mentioned anywhere on the page exists.
    for word in page.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.len() == 5
            && word.starts_with("WS")
            && word[2..].chars().all(|c| c.is_ascii_digit())
        {
            assert!(
                rules::by_code(word).is_some(),
                "rules/COVERAGE.md names unknown {word}"
            );
        }
    }
    let expected = format!(
        "<!-- counts: listed={listed} fixed={} report-only={} out-of-reach={} open={} -->",
        counts["fixed"], counts["report-only"], counts["out-of-reach"], counts["open"]
    );
    assert!(
        page.contains(&expected),
        "counts comment must be: {expected}"
    );
}
