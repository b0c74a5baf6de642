//! Where connection facts start, before the walk: handlers given to `serve()`, facts from
//! other modules, parameters every call site passes a connection to, and `ws = None`
//! placeholders that stand for the connection of the same name.

use super::*;

impl<'a> Connections<'a> {
    /// The first parameter a `serve()` handler receives is a server connection.
    pub(super) fn seed_handlers(&mut self, resolver: &Resolver<'_, 'a>) {
        for serve in &resolver.definitions.serve_calls {
            let Some(handler) = serve.handler else {
                continue;
            };
            let Some(callable) = resolver.resolve_callable(handler) else {
                continue;
            };
            let Some(param) = callable.positional_parameter(0) else {
                continue;
            };
            let Some(binding) = resolver.bindings.created_at(param.name.range) else {
                continue;
            };
            let origin = match serve.implementation {
                Implementation::Legacy => legacy_origin(resolver.imports, &serve.call.func),
                Implementation::New => None,
            };
            self.record(
                binding,
                Connection {
                    implementation: serve.implementation,
                    side: Side::Server,
                    origin,
                    evidence: Evidence::Creation,
                    origin_file: None,
                },
            );
        }
    }

    /// Handlers served from other modules, and parameters other modules pass connections to.
    pub(super) fn seed_external(
        &mut self,
        bindings: &Bindings<'a>,
        defs: &Definitions<'a>,
        external: &ExternalFacts,
    ) {
        // Served functions are named through their module or class (`Peers.on_connect`): the
        // receiver of a method is among the arguments `partial` binds. Callers' arguments
        // count from the first parameter after the receiver.
        let handlers = external
            .served
            .iter()
            .filter(|s| s.keyword.is_none())
            .map(|s| {
                let origin = s.group.map(|g| (g.key, g.file));
                let connection = Connection {
                    implementation: s.implementation,
                    side: Side::Server,
                    origin: origin.map(|o| o.0),
                    origin_file: origin.and_then(|o| o.1),
                    evidence: if s.proven {
                        Evidence::Creation
                    } else {
                        Evidence::Annotation
                    },
                };
                let at = (s.bound_positional, false);
                (&s.function, at, s.bound_keywords.as_slice(), connection)
            });
        let parameters = external
            .parameters
            .iter()
            .map(|p| (&p.function, (p.index, true), &[][..], p.connection));
        let seeds: Vec<_> = handlers.chain(parameters).collect();
        for (function, (index, after_receiver), keywords, connection) in seeds {
            let Some(def) = function_named(bindings, function) else {
                continue;
            };
            let receiver = after_receiver && defs.function(def).is_some_and(|f| f.takes_receiver());
            let parameter = def
                .parameters
                .posonlyargs
                .iter()
                .chain(&def.parameters.args)
                .nth(usize::from(receiver) + index)
                .map(|p| &p.parameter);
            let Some(parameter) = parameter else { continue };
            if keywords.iter().any(|k| k == parameter.name.as_str()) {
                continue;
            }
            if let Some(id) = bindings.created_at(parameter.name.range) {
                self.record(id, connection);
            }
        }
    }

    pub(super) fn record(&mut self, binding: BindingId, connection: Connection) {
        self.facts
            .entry(binding)
            .and_modify(|c| {
                if connection.evidence > c.evidence {
                    *c = connection
                }
            })
            .or_insert(connection);
    }

    /// A parameter every call of the file passes the same connection, when the function is
    /// only ever called (not handed elsewhere, where other callers could pass anything).
    pub(super) fn parameters_from_calls(&mut self, bindings: &Bindings<'a>) {
        let proven: Vec<(BindingId, Connection)> = self
            .passed
            .iter()
            .filter_map(|(param, passed)| match passed {
                Passed::Only(Some(c)) => Some((*param, *c)),
                _ => None,
            })
            .filter(|(param, _)| only_called(bindings, *param))
            .collect();
        for (param, c) in proven {
            self.record(param, c);
        }
        self.passed.clear();
    }

    /// `ws = None` before a `connect()` (or in the `except` after one) holds no object whose
    /// attributes anyone reads: reads that resolve to it mean the connection of the same name.
    pub(super) fn carry_over_none(&mut self, bindings: &Bindings<'a>) {
        let mut carried = Vec::new();
        for (id, binding) in bindings.all() {
            let BindingKind::Assignment(Some(Expr::NoneLiteral(_))) = binding.kind else {
                continue;
            };
            if self.facts.contains_key(&id) {
                continue;
            }
            let scope = bindings.scope(binding.scope);
            if let Some(c) = scope
                .bindings_of(binding.name)
                .iter()
                .find_map(|other| self.facts.get(other))
            {
                carried.push((id, *c));
            }
        }
        for (id, c) in carried {
            self.facts.insert(id, c);
        }
    }
}
