//! Which websockets class an expression names: a websockets class itself (`Connect`,
//! `WebSocketClientProtocol`), a class of this file deriving from one, a class of another
//! module that does (through the project index), a name bound once to one of these, or a
//! parameter annotated `type[X]` with `X` one of these (`cls: type[WebSocketServerProtocol]`).

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use super::api::{self, Implementation, Side};
use super::bindings::BindingKind;
use super::connections::legacy_origin;
use super::definitions::ClassInfo;
use super::external::{ClassKind, WebsocketsClass};
use super::scope::ClassKey;
use super::SemanticModel;

impl<'a> SemanticModel<'a> {
    /// Does this file define, or import from another module, a subclass of the `connect`
    /// class (whose calls are `connect()` calls)?
    pub fn has_connect_subclasses(&self) -> bool {
        self.definitions
            .classes
            .iter()
            .any(|c| c.connect_base.is_some())
            || self
                .external
                .is_some_and(|e| e.classes.iter().any(|(_, c)| c.kind == ClassKind::Connect))
    }

    pub fn websockets_class(&self, expr: &Expr) -> Option<WebsocketsClass> {
        self.class_within(expr, 4)
    }

    fn class_within(&self, expr: &Expr, depth: usize) -> Option<WebsocketsClass> {
        let depth = depth.checked_sub(1)?;
        if let Some(qualified) = self.imports.resolve(expr) {
            let (kind, implementation) = match api::connection_class(&qualified) {
                Some((implementation, side)) => (ClassKind::Connection(side), implementation),
                None => (ClassKind::Connect, api::connect_class(&qualified)?),
            };
            return Some(WebsocketsClass {
                kind,
                implementation,
                origin: match implementation {
                    Implementation::Legacy => legacy_origin(&self.imports, expr),
                    Implementation::New => None,
                },
                origin_file: None,
                methods: Vec::new(),
            });
        }
        let Expr::Name(name) = expr else {
            let qualified = self.imports.resolve_any(expr)?;
            return self.external?.class(&qualified).cloned();
        };
        let binding = self.binding_of(name)?;
        let once = self
            .bindings
            .scope(binding.scope)
            .bindings_of(binding.name)
            .len()
            == 1;
        match &binding.kind {
            BindingKind::Import(_) => {
                let qualified = self.imports.resolve_any(expr)?;
                self.external?.class(&qualified).cloned()
            }
            BindingKind::Class(def) => {
                let info = self.definitions.class(ClassKey(def.start().to_u32()))?;
                self.class_facts(info)
            }
            BindingKind::Parameter(parameter) => {
                self.class_within(type_argument(parameter.annotation.as_deref()?)?, depth)
            }
            BindingKind::Annotated { annotation, value } => match type_argument(annotation) {
                Some(class) => self.class_within(class, depth),
                None if once => self.class_within(value.as_ref()?, depth),
                None => None,
            },
            BindingKind::Assignment(Some(value)) if once => self.class_within(value, depth),
            _ => None,
        }
    }

    /// What a class of this file derives from, with the methods it and its local bases define.
    pub fn class_facts(&self, info: &ClassInfo<'a>) -> Option<WebsocketsClass> {
        let (kind, base) = match (info.connection_base, info.connect_base) {
            (Some(base), _) => (ClassKind::Connection(base.side), base),
            (None, Some(base)) => (ClassKind::Connect, base),
            (None, None) => return None,
        };
        let mut methods: Vec<String> = Vec::new();
        let mut next = Some(info);
        for _ in 0..5 {
            let Some(class) = next.take() else { break };
            for stmt in &class.def.body {
                if let Stmt::FunctionDef(def) = stmt {
                    if !methods.iter().any(|m| m == def.name.as_str()) {
                        methods.push(def.name.to_string());
                    }
                }
            }
            next = class.def.bases().iter().find_map(|b| {
                let Expr::Name(n) = b else { return None };
                match self.binding_of(n)?.kind {
                    BindingKind::Class(def) => {
                        self.definitions.class(ClassKey(def.start().to_u32()))
                    }
                    _ => None,
                }
            });
        }
        let origin = match (base.implementation, base.origin_file) {
            (Implementation::Legacy, None) => base.origin.or(Some(base.base)),
            (Implementation::Legacy, Some(_)) => base.origin,
            (Implementation::New, _) => None,
        };
        Some(WebsocketsClass {
            kind,
            implementation: base.implementation,
            origin,
            origin_file: base.origin_file,
            methods,
        })
    }
}

impl WebsocketsClass {
    pub fn side(&self) -> Side {
        match self.kind {
            ClassKind::Connection(side) => side,
            ClassKind::Connect => Side::Client,
        }
    }
}

/// `X` in `type[X]`, `Type[X]`, `typing.Type[X]`.
fn type_argument(annotation: &Expr) -> Option<&Expr> {
    let Expr::Subscript(sub) = annotation else {
        return None;
    };
    let head = match &*sub.value {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.as_str(),
        _ => return None,
    };
    matches!(head, "type" | "Type").then_some(&*sub.slice)
}
