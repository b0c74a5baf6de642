//! WS205 `basic-auth-protocol-factory`: `serve(create_protocol=basic_auth_protocol_factory(...))`
//! becomes `serve(process_request=basic_auth(...))`.
//! Upstream: docs/howto/upgrade.rst; websockets 13.1 `legacy/auth.py`
//! (`basic_auth_protocol_factory(realm=None, credentials=None, check_credentials=None,
//! create_protocol=None)`; a `None` realm keeps the class default `""`), websockets 17.4
//! `asyncio/server.py` (`basic_auth(realm="", credentials=None, check_credentials=None)`, which
//! accepts the same credentials forms and a sync or async `check_credentials`).

use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

use crate::checker::Checker;
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::fix::arguments::rename_keyword;
use crate::rules::websockets_call::{CallKind, WebsocketsCall};
use crate::rules::{Family, FixAvailability, Interest, Rule, RuleMeta, Version};

pub struct BasicAuthProtocolFactory;

static META: RuleMeta = RuleMeta {
    code: "WS205",
    name: "basic-auth-protocol-factory",
    family: Family::CallArguments,
    summary:
        "`create_protocol=basic_auth_protocol_factory(...)` is `process_request=basic_auth(...)`",
    fix: FixAvailability::Sometimes,
    default_severity: Severity::Error,
    enabled_by_default: true,
    since: Version::V14_0,
    needles: &["basic_auth_protocol_factory"],
    doc: include_str!("../../rules/WS205.md"),
};

/// The legacy factory's parameters, in order; `basic_auth()` takes the same first three.
const PARAMETERS: &[&str] = &["realm", "credentials", "check_credentials"];

impl Rule for BasicAuthProtocolFactory {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn unit_needles(&self) -> Option<&'static [&'static str]> {
        Some(&[])
    }

    fn interest(&self) -> Interest {
        Interest::CALLS
    }

    fn expr(&self, checker: &Checker, expr: &Expr) {
        let Expr::Call(call) = expr else { return };
        let Some(target) = WebsocketsCall::of(checker, call) else {
            return;
        };
        if target.kind != CallKind::Serve {
            return;
        }
        let Some(keyword) = target.keyword("create_protocol") else {
            return;
        };
        let Expr::Call(factory) = &keyword.value else {
            return;
        };
        let is_factory = checker
            .model
            .resolve(&factory.func)
            .is_some_and(|q| q.ends_with(".basic_auth_protocol_factory"));
        if !is_factory {
            return;
        }
        let mut diagnostic = Diagnostic::new(
            &META,
            format!(
                "`create_protocol=basic_auth_protocol_factory(...)` is \
                 `process_request=basic_auth(...)` in the new implementation; {}",
                target.consequence()
            ),
            keyword.range(),
        )
        .with_help(
            "`from websockets.asyncio.server import basic_auth`; `realm`, `credentials` and \
             `check_credentials` keep their meaning",
        );
        if target.keyword("process_request").is_some() {
            diagnostic.help = Some(
                "`process_request=` is given too: call `basic_auth(...)(connection, request)` \
                 from it and return its response when it is not `None`"
                    .to_string(),
            );
        } else if let Some(fix) = fix(checker, keyword, factory) {
            diagnostic = diagnostic.with_fix(fix);
        } else {
            diagnostic.help = Some(
                "`create_protocol=` or unpacked arguments in the factory call: migrate by hand \
                 to `process_request=basic_auth(realm=..., credentials=..., \
                 check_credentials=...)`"
                    .to_string(),
            );
        }
        checker.report(target.diagnostic(checker, diagnostic, Some("process_request")));
    }
}

fn fix(checker: &Checker, keyword: &ruff_python_ast::Keyword, factory: &ExprCall) -> Option<Fix> {
    let arguments = &factory.arguments;
    if arguments.args.len() > PARAMETERS.len()
        || arguments.args.iter().any(Expr::is_starred_expr)
        || arguments.keywords.iter().any(|k| {
            k.arg
                .as_ref()
                .is_none_or(|a| !PARAMETERS.contains(&a.as_str()))
        })
    {
        return None; // `create_protocol=` of the factory, `*args`, `**kwargs`.
    }
    let importer = checker.importer();
    let basic_auth =
        importer.from_import("websockets.asyncio.server", "basic_auth", keyword.start());
    let mut edits = vec![
        rename_keyword(keyword, "process_request")?,
        Edit::replace(factory.func.range(), basic_auth.local.clone()),
    ];
    // Positional arguments become keywords, as the target form writes them.
    let mut previous_end = arguments.start() + ruff_text_size::TextSize::from(1);
    for (value, name) in arguments.args.iter().zip(PARAMETERS) {
        let before = &checker.source[previous_end.to_usize()..value.start().to_usize()];
        let clean = before.trim().trim_start_matches(',').trim().is_empty();
        if !clean {
            return None; // A parenthesized argument: `f((realm))`.
        }
        edits.push(Edit::insert(value.start(), format!("{name}=")));
        previous_end = value.end();
    }
    edits.extend(basic_auth.edit);
    Some(Fix::safe(
        format!("Replace with `process_request={}(...)`", basic_auth.local),
        edits,
    ))
}
