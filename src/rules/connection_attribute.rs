//! What the connection-attribute rules (WS002–WS005) share: finding `<connection>.<name>` and
//! tying a finding on a legacy connection to the import that must switch before the new API is
//! there.

use ruff_python_ast::{Expr, ExprAttribute, ExprContext};

use crate::checker::Checker;
use crate::diagnostic::{FixGroup, GroupRole};
use crate::semantic::{Connection, Implementation};

/// `expr` as `<receiver>.<name>` when `name` is one of `names` and the receiver is a websockets
/// connection here.
pub fn connection_attribute<'e>(
    checker: &Checker,
    expr: &'e Expr,
    names: &[&str],
) -> Option<(&'e ExprAttribute, Connection)> {
    let Expr::Attribute(attr) = expr else {
        return None;
    };
    if !names.contains(&attr.attr.as_str()) {
        return None;
    }
    let connection = checker.connection(&attr.value)?;
    Some((attr, connection))
}

/// A use that only works once the legacy import creating the connection has switched (WS101):
/// its fix, or its lack of one, belongs to that import's group.
pub fn legacy_group(connection: &Connection) -> Option<FixGroup> {
    match (connection.implementation, connection.origin) {
        (Implementation::Legacy, Some(key)) => Some(FixGroup {
            key,
            role: GroupRole::Member,
            file: connection.origin_file,
        }),
        _ => None,
    }
}

/// Is the attribute read (not assigned or deleted)?
pub fn is_load(attr: &ExprAttribute) -> bool {
    matches!(attr.ctx, ExprContext::Load)
}
