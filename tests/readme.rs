//! The README's rule table is generated from the registry; this keeps it in sync.

mod common;

#[test]
fn readme_rule_table_matches_the_registry() {
    let readme = std::fs::read_to_string(common::repo_root().join("README.md")).unwrap();
    let start = readme.find("<!-- rules:start").expect("rules:start marker");
    let body_start = start + readme[start..].find("-->").unwrap() + 3;
    let end = readme.find("<!-- rules:end -->").expect("rules:end marker");
    let table = readme[body_start..end].trim();
    let expected = wsmigrate::docs::markdown_table();
    assert_eq!(
        table,
        expected.trim(),
        "README rule table is stale: paste `wsmigrate rules --output-format markdown`"
    );
}
