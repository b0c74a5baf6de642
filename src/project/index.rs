//! The project index: every module of the run by name, and the facts one module's summary
//! establishes about another (a function served elsewhere, a parameter passed a connection
//! elsewhere, a class whose instances hold connections), following re-exports.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::diagnostic::{FixGroup, GroupRole};
use crate::semantic::{
    Connection, ExternalFacts, ExternalParameter, ExternalPatch, ExternalServed, Returned,
    WebsocketsAlias,
};

use super::summary::{Offer, Summary};

pub struct Index<'p> {
    /// Module name → file id.
    pub modules: HashMap<&'p str, u32>,
    pub summaries: &'p [Option<Summary>],
}

impl<'p> Index<'p> {
    /// The file and the name inside it (`handle`, `Server.on_connect`) a qualified name refers
    /// to, through re-exports (`pkg/__init__.py` doing `from .handlers import handle`).
    pub fn locate(&self, qualified: &str, depth: usize) -> Option<(u32, String)> {
        let depth = depth.checked_sub(1)?;
        let mut split = qualified.len();
        while let Some(dot) = qualified[..split].rfind('.') {
            let (module, rest) = (&qualified[..dot], &qualified[dot + 1..]);
            if let Some(&file) = self.modules.get(module) {
                let first = rest.split('.').next().unwrap_or(rest);
                let export = self.summaries[file as usize]
                    .as_ref()
                    .and_then(|s| s.exports.iter().find(|(name, _)| name == first));
                return match export {
                    Some((_, target)) => {
                        let tail = &rest[first.len()..];
                        self.locate(&format!("{target}{tail}"), depth)
                    }
                    None => Some((file, rest.to_string())),
                };
            }
            split = dot;
        }
        None
    }

    /// The patches of legacy classes, to every other module whose legacy `connect()` or
    /// `serve()` makes what they change: the classes are the whole program's. (Modules of one
    /// run that never run in one program are not told apart: their switches wait too.)
    fn legacy_patches(&self, sites: &[String], facts: &mut [ExternalFacts]) {
        let patches: Vec<(usize, ExternalPatch)> = self
            .summaries
            .iter()
            .enumerate()
            .filter_map(|(file, s)| Some((file, s.as_ref()?)))
            .flat_map(|(file, summary)| {
                summary.legacy_patches.iter().map(move |patch| {
                    let external = ExternalPatch {
                        patched: patch.patched,
                        class: patch.class.clone(),
                        member: patch.member.clone(),
                        site: format!("{}:{}", sites[file], patch.line),
                    };
                    (file, external)
                })
            })
            .collect();
        if patches.is_empty() {
            return;
        }
        for (file, summary) in self.summaries.iter().enumerate() {
            let Some(summary) = summary else { continue };
            facts[file].legacy_patches = patches
                .iter()
                .filter(|(from, patch)| {
                    *from != file
                        && summary
                            .entry_points
                            .iter()
                            .any(|e| patch.patched.reaches(*e))
                })
                .map(|(_, patch)| patch.clone())
                .collect();
        }
    }

    /// The facts every module learns from the others' summaries.
    pub fn facts(&self, sites: &[String]) -> Vec<ExternalFacts> {
        let mut facts: Vec<ExternalFacts> = vec![ExternalFacts::default(); self.summaries.len()];
        let mut passed_to: HashMap<(u32, String, usize), Option<Connection>> = HashMap::default();
        let serving: Vec<usize> = (0..self.summaries.len())
            .filter(|i| self.summaries[*i].as_ref().is_some_and(|s| s.serves))
            .collect();
        for (i, f) in facts.iter_mut().enumerate() {
            f.serve_elsewhere = serving.iter().any(|s| *s != i);
        }
        // What each module learns from the modules it imports goes to its own facts only:
        // computed side by side (the longest serial part of the project stages).
        let offering = self.offering();
        let imported: Vec<Option<ExternalFacts>> = self
            .summaries
            .par_iter()
            .enumerate()
            .map(|(file, summary)| Some(self.imported(file as u32, summary.as_ref()?, &offering)))
            .collect();
        for (f, imported) in facts.iter_mut().zip(imported) {
            if let Some(imported) = imported {
                f.returns = imported.returns;
                f.reaches_connect = imported.reaches_connect;
                f.classes = imported.classes;
                f.class_attributes = imported.class_attributes;
                f.websockets_aliases = imported.websockets_aliases;
            }
        }
        self.legacy_patches(sites, &mut facts);
        for (file, summary) in self.summaries.iter().enumerate() {
            let Some(summary) = summary else { continue };
            let file = file as u32;
            for served in &summary.served {
                let Some((target, function)) = self.locate(&served.target, 5) else {
                    continue;
                };
                if target == file {
                    continue;
                }
                facts[target as usize].served.push(ExternalServed {
                    function,
                    keyword: served.keyword.clone(),
                    implementation: served.implementation,
                    bound_positional: served.bound_positional,
                    bound_keywords: served.bound_keywords.clone(),
                    group: served.group_key.map(|key| FixGroup {
                        key,
                        role: GroupRole::Member,
                        file: Some(file),
                    }),
                    site: format!("{}:{}", sites[file as usize], served.line),
                    proven: true,
                });
            }
            self.passed_to_serving(file, summary, sites, &mut facts);
            for call in &summary.calls {
                let name = &summary.call_targets[call.target as usize];
                let Some((target, function)) = self.locate(name, 5) else {
                    continue;
                };
                if target == file {
                    continue;
                }
                let key = (target, function, call.index as usize);
                let passed = call.connection.map(|c| portable(c, file));
                match passed_to.get(&key) {
                    Some(previous) if *previous != passed => {
                        passed_to.insert(key, None);
                    }
                    Some(_) => {}
                    None => {
                        passed_to.insert(key, passed);
                    }
                }
            }
        }
        // Nor when the module itself calls the function with another object there, or when
        // a module hands the function on (`register(Factory)`): its calls are not in sight.
        let called: rustc_hash::FxHashSet<(u32, String)> = passed_to
            .keys()
            .map(|(target, name, _)| (*target, name.clone()))
            .collect();
        let mut handed: rustc_hash::FxHashSet<(u32, String)> = Default::default();
        for (file, summary) in self.summaries.iter().enumerate() {
            let Some(summary) = summary else { continue };
            for (name, index) in &summary.local_others {
                if let Some(passed) = passed_to.get_mut(&(file as u32, name.clone(), *index)) {
                    *passed = None;
                }
            }
            for qualified in &summary.handed {
                if let Some((target, name)) = self.locate(qualified, 5) {
                    let key = (target, name);
                    if called.contains(&key) {
                        handed.insert(key);
                    }
                }
            }
        }
        for ((target, name, _), passed) in passed_to.iter_mut() {
            if handed.contains(&(*target, name.clone())) {
                *passed = None;
            }
        }
        // A parameter is a connection only when every call the project makes passes one (the
        // same one).
        let mut proven: Vec<_> = passed_to
            .into_iter()
            .filter_map(|(key, c)| Some((key, c?)))
            .collect();
        proven.sort_by(|a, b| (a.0 .0, &a.0 .1, a.0 .2).cmp(&(b.0 .0, &b.0 .1, b.0 .2)));
        for ((target, function, index), connection) in proven {
            facts[target as usize].parameters.push(ExternalParameter {
                function,
                index,
                connection,
            });
        }
        for f in &mut facts {
            f.served
                .sort_by(|a, b| a.site.cmp(&b.site).then(a.function.cmp(&b.function)));
            f.served.dedup();
            f.parameters.dedup();
            f.class_attributes.dedup();
            f.returns.dedup();
            f.reaches_connect.dedup();
            f.classes.dedup();
        }
        facts
    }
}

impl Index<'_> {
    /// What a module learns from the modules it imports: their offers, and the connection
    /// attributes of their classes.
    fn imported(&self, file: u32, summary: &Summary, offering: &Offering<'_>) -> ExternalFacts {
        let mut facts = ExternalFacts::default();
        self.imported_offers(file, summary, offering, &mut facts);
        // websockets names under another module's name (`from .compat import websockets`,
        // `from .compat import connect`).
        for qualified in &summary.references {
            let Some((target, name)) = self.locate(qualified, 5) else {
                continue;
            };
            let Some(exporter) = self.summaries[target as usize].as_ref() else {
                continue;
            };
            let exported = exporter
                .websockets_exports
                .binary_search_by(|(exported, _, _)| exported.as_str().cmp(&name))
                .ok()
                .map(|i| &exporter.websockets_exports[i]);
            if let (true, Some((_, websockets, stmt))) = (target != file, exported) {
                facts.websockets_aliases.push(WebsocketsAlias {
                    name: qualified.clone(),
                    websockets: websockets.clone(),
                    file: target,
                    stmt: *stmt,
                });
            }
        }
        // In the order of `references`: sorted, each name once.
        for (_, qualified) in &summary.exports {
            let Some((target, class)) = self.locate(qualified, 5) else {
                continue;
            };
            let Some(owner) = &self.summaries[target as usize] else {
                continue;
            };
            for (name, attribute, connection) in &owner.class_attributes {
                if *name == class && target != file {
                    facts.class_attributes.push((
                        qualified.clone(),
                        attribute.clone(),
                        portable(*connection, target),
                    ));
                }
            }
        }
        facts
    }

    /// Functions passed to another module's function whose parameter reaches a `serve()` as
    /// its handler (`server.run(echo)` for `def run(handler): serve(handler, ...)`): served by
    /// that `serve()`, in the group of its import.
    fn passed_to_serving(
        &self,
        file: u32,
        summary: &Summary,
        sites: &[String],
        facts: &mut [ExternalFacts],
    ) {
        for pass in &summary.passes {
            let Some((owner, function)) = self.locate(&pass.target, 5) else {
                continue;
            };
            let Some(offers) = self.summaries[owner as usize].as_ref().map(|s| &s.offers) else {
                continue;
            };
            for (name, offer) in offers {
                let Offer::ServesParameter(parameter) = offer else {
                    continue;
                };
                let given = match &pass.keyword {
                    Some(keyword) => *keyword == parameter.name,
                    None => pass.position.is_some() && pass.position == parameter.position,
                };
                // A class called is its `__init__` (`Server(echo)`).
                let called =
                    *name == function || name.strip_suffix(".__init__") == Some(function.as_str());
                if !called || !given {
                    continue;
                }
                let located = match pass.local {
                    true => Some((file, pass.function.clone())),
                    false => self.locate(&pass.function, 5),
                };
                let Some((target, served)) = located else {
                    continue;
                };
                facts[target as usize].served.push(ExternalServed {
                    function: served,
                    keyword: None,
                    implementation: parameter.implementation,
                    bound_positional: pass.bound_positional,
                    bound_keywords: pass.bound_keywords.clone(),
                    group: parameter.group_key.map(|key| FixGroup {
                        key,
                        role: GroupRole::Member,
                        file: (target != owner).then_some(owner),
                    }),
                    site: format!("{}:{}", sites[owner as usize], parameter.line),
                    proven: true,
                });
            }
        }
    }
}

/// The modules that offer something, by name and sorted by name: built once per round.
struct Offering<'p> {
    sorted: Vec<(&'p str, u32)>,
    by_name: HashMap<&'p str, u32>,
}

impl<'p> Index<'p> {
    fn offering(&self) -> Offering<'p> {
        let mut sorted: Vec<(&'p str, u32)> = self
            .modules
            .iter()
            .filter(|(_, &t)| {
                self.summaries[t as usize]
                    .as_ref()
                    .is_some_and(|s| !s.offers.is_empty())
            })
            .map(|(m, &t)| (*m, t))
            .collect();
        sorted.sort_unstable();
        let by_name = sorted.iter().copied().collect();
        Offering { sorted, by_name }
    }

    /// What the modules this one imports offer (functions returning connections or reaching
    /// `connect()`, classes deriving from websockets classes), named as this module reaches
    /// them: `import pkg.helpers` / `from pkg import helpers` give `pkg.helpers.open_client`,
    /// `from pkg.client import Client` gives `pkg.client.Client.open`, a re-export through
    /// `pkg/__init__.py` gives `pkg.open_client`.
    fn imported_offers(
        &self,
        file: u32,
        summary: &Summary,
        offering: &Offering<'_>,
        facts: &mut ExternalFacts,
    ) {
        if offering.sorted.is_empty() {
            return;
        }
        // Facts about functions go only to the modules that call them, about classes to those
        // that name them (a file that learns nothing is not checked again).
        let calls = |q: &String| summary.callees.binary_search(q).is_ok();
        let names = |q: &String| summary.references.binary_search(q).is_ok();
        let mut push = |qualified: String, target: u32, offer: &Offer| match offer {
            // Read by `facts` from the callers' passes.
            Offer::ServesParameter(_) => {}
            Offer::Returns(_) | Offer::ReachesConnect(_) if !calls(&qualified) => {}
            Offer::Class(_) if !names(&qualified) => {}
            Offer::Returns(_) if facts.returns.iter().any(|(q, _)| *q == qualified) => {}
            Offer::ReachesConnect(_)
                if facts.reaches_connect.iter().any(|(q, _)| *q == qualified) => {}
            Offer::Class(_) if facts.classes.iter().any(|(q, _)| *q == qualified) => {}
            Offer::Returns(r) => facts.returns.push((
                qualified,
                Returned {
                    connection: portable(r.connection, target),
                    ..*r
                },
            )),
            Offer::ReachesConnect(c) => facts
                .reaches_connect
                .push((qualified, portable(*c, target))),
            Offer::Class(class) => {
                let mut class = class.clone();
                if class.origin.is_some() && class.origin_file.is_none() {
                    class.origin_file = Some(target);
                }
                facts.classes.push((qualified, class));
            }
        };
        let offers_of = |target: u32| &self.summaries[target as usize].as_ref().unwrap().offers;
        for (_, qualified) in &summary.exports {
            // A name of a module above (`pkg.helpers.open_client` of `pkg.helpers`): what that
            // module offers under the name. The modules named by a prefix, shortest first.
            for (dot, _) in qualified.match_indices('.') {
                let (module, rest) = (&qualified[..dot], &qualified[dot + 1..]);
                let Some(&target) = offering.by_name.get(module).filter(|&&t| t != file) else {
                    continue;
                };
                for (name, offer) in offers_of(target) {
                    if let Some(tail) = name.strip_prefix(rest) {
                        if tail.is_empty() || tail.starts_with('.') {
                            push(format!("{qualified}{tail}"), target, offer);
                        }
                    }
                }
            }
            // A module (or a package above modules): all they offer, by their full names. The
            // names starting with `qualified` are one run of the sorted list.
            let start = offering
                .sorted
                .partition_point(|(m, _)| *m < qualified.as_str());
            for &(module, target) in offering.sorted[start..]
                .iter()
                .take_while(|(m, _)| m.starts_with(qualified.as_str()))
            {
                let rest = &module[qualified.len()..];
                if target == file || !(rest.is_empty() || rest.starts_with('.')) {
                    continue;
                }
                for (name, offer) in offers_of(target) {
                    push(format!("{module}.{name}"), target, offer);
                }
            }
            // A re-export (`pkg/__init__.py` doing `from .helpers import open_client`).
            if let Some((target, name)) = self.locate(qualified, 5) {
                if target == file || self.modules.contains_key(qualified.as_str()) {
                    continue;
                }
                let Some(owner) = &self.summaries[target as usize] else {
                    continue;
                };
                for (offered, offer) in &owner.offers {
                    if let Some(tail) = offered.strip_prefix(name.as_str()) {
                        if tail.is_empty() || tail.starts_with('.') {
                            push(format!("{qualified}{tail}"), target, offer);
                        }
                    }
                }
            }
        }
    }
}

/// A connection seen from another file: its legacy origin names the file it is a range of.
fn portable(connection: Connection, file: u32) -> Connection {
    match (connection.origin, connection.origin_file) {
        (Some(_), None) => Connection {
            origin_file: Some(file),
            ..connection
        },
        _ => connection,
    }
}
