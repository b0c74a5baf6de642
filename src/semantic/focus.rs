//! Which top-level statements of a file can involve websockets. The connection inference and
//! the rules walk only those: in a big module with a few websockets uses, most top-level
//! functions, classes and data tables name nothing that leads to websockets, and walking them
//! was most of the work of a check.
//!
//! A top-level statement is relevant when one of its identifiers (names, attribute and
//! parameter names, the words of strings other than long docstrings, so string annotations
//! too) is in the file's vocabulary: the names websockets imports bind and the word
//! `websockets`, grown by every relevant statement with the module-level names it binds or
//! reads (not imports). So a helper that relevant code calls with a connection, a class that
//! derives from a relevant class or is instantiated by relevant code, a module-level pool that
//! relevant code fills, the `with serve(...) as server` target, are all walked; `os.path` or
//! a parameter that happens to be named like a module-level function pull nothing in. A method
//! or attribute is reached through its class, whose name the code that uses it reads (`C()`,
//! `x: C`): an attribute name alone tells nothing about its object. A statement whose text
//! contains a needle of a rule's heuristic (WS001's `fail_connection` on any receiver,
//! `Rule::unit_needles`) is relevant too, and import statements are always walked.
//!
//! What still sees the whole file: the bindings, the definitions (`serve()` calls, classes,
//! methods), the checker's calls by name, the fixes' import placement and the project summary
//! (the calls other modules' facts must not miss). A file with a websockets star import whose
//! names are not tabled, or with facts from other modules of its project, is walked whole.
//! `pipeline::file`'s tests lint every fixture with and without the focus.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use ruff_python_ast::token::{Token, TokenKind};
use ruff_python_ast::Stmt;
use ruff_text_size::{Ranged, TextSize};

use super::bindings::{Binding, BindingKind, Bindings, ScopeId};
use super::imports::{is_websockets, Imports, NameFilter};

/// Triple-quoted strings up to this length are read for identifiers like the others (string
/// annotations, `getattr` names); longer ones are docstrings.
const SHORT_STRING: usize = 200;

/// What [`Focus::of`] reads besides the model: the text, its tokens, and where the needles of
/// the enabled rules' heuristics start in the text (`Rule::unit_needles`, sorted).
pub struct Input<'t> {
    pub text: &'t str,
    pub tokens: &'t [Token],
    pub needles: Vec<usize>,
}

/// The top-level statements the inference and the rules skip.
#[derive(Debug, Default)]
pub struct Focus {
    /// By index in the module body; empty when nothing is skipped.
    skipped: Vec<bool>,
}

impl Focus {
    /// Nothing skipped.
    pub fn everything() -> Focus {
        Focus::default()
    }

    /// Is the top-level statement at `index` of the module body skipped?
    pub fn skips(&self, index: usize) -> bool {
        self.skipped.get(index).copied().unwrap_or(false)
    }

    /// How many top-level statements are skipped.
    pub fn skipped(&self) -> usize {
        self.skipped.iter().filter(|s| **s).count()
    }

    /// The statements of `body` (the module's) that nothing leading to websockets reaches, by
    /// the file's bindings and tokens (see the module's doc).
    pub fn of(body: &[Stmt], bindings: &Bindings, imports: &Imports, input: &Input) -> Focus {
        if imports.has_open_star() {
            return Focus::everything(); // any unbound name may come from websockets
        }
        let mut locate = Locate { body, last: 0 };
        let mut seeds: Vec<&str> = vec!["websockets"];
        // What each statement adds to the vocabulary once it is relevant: the module-level
        // names it binds (functions, classes, variables; not imports) and those it reads. A
        // method or attribute is reached through its class's name (`C()`, `x: C`), which is
        // module-level; a parameter or local named like a module-level name adds nothing.
        let mut grows: Vec<Vec<&str>> = vec![Vec::new(); body.len()];
        let defines = |binding: &Binding| {
            binding.scope == ScopeId::MODULE && !matches!(binding.kind, BindingKind::Import(_))
        };
        for (_, binding) in bindings.all() {
            if let BindingKind::Import(import) = &binding.kind {
                if is_websockets(&import.qualified) {
                    seeds.push(binding.name);
                }
            } else if defines(binding) {
                if let Some(i) = locate.statement(binding.range.start()) {
                    grows[i].push(binding.name);
                }
            }
        }
        for (range, name, id) in bindings.reads_by_position() {
            if id.is_some_and(|id| defines(bindings.binding(id))) {
                if let Some(i) = locate.statement(range.start()) {
                    grows[i].push(name);
                }
            }
        }
        // Each word enters the queue once (a name bound by many imports is one seed).
        seeds.sort_unstable();
        seeds.dedup();
        let mut could_be = Words::default();
        for word in &seeds {
            could_be.insert(word);
        }
        for grow in &mut grows {
            grow.sort_unstable();
            grow.dedup();
            for word in grow.iter() {
                could_be.insert(word);
            }
        }
        let mentioned_by = mentions(body, input, &could_be);
        let mut relevant = vec![false; body.len()];
        let mut statements: Vec<u32> = input
            .needles
            .iter()
            .filter_map(|offset| Some(locate.statement(TextSize::new(*offset as u32))? as u32))
            .collect();
        statements.dedup();
        let mut vocabulary: HashSet<&str> = seeds.iter().copied().collect();
        let mut words_queue: Vec<&str> = seeds;
        // A worklist over words and statements: each is taken once, so this is linear in the
        // file however long the chain of definitions that pull each other in.
        loop {
            if let Some(i) = statements.pop() {
                if std::mem::replace(&mut relevant[i as usize], true) {
                    continue;
                }
                for word in &grows[i as usize] {
                    if vocabulary.insert(word) {
                        words_queue.push(word);
                    }
                }
            } else if let Some(word) = words_queue.pop() {
                if let Some(by) = mentioned_by.get(word) {
                    statements.extend(by.iter().filter(|i| !relevant[**i as usize]));
                }
            } else {
                break;
            }
        }
        // Import statements are cheap, and always seen (the rules about imports need nothing
        // else).
        let skipped: Vec<bool> = body
            .iter()
            .zip(relevant)
            .map(|(stmt, relevant)| {
                !relevant && !stmt.is_import_stmt() && !stmt.is_import_from_stmt()
            })
            .collect();
        if skipped.iter().any(|s| *s) {
            Focus { skipped }
        } else {
            Focus::everything()
        }
    }
}

/// The top-level statement at an offset; offsets asked in increasing order are found without
/// a search.
struct Locate<'b> {
    body: &'b [Stmt],
    last: usize,
}

impl Locate<'_> {
    fn statement(&mut self, offset: TextSize) -> Option<usize> {
        let body = self.body;
        let contains = |i: usize| body[i].start() <= offset && offset < body[i].end();
        let i = [self.last, self.last + 1]
            .into_iter()
            .find(|&i| i < body.len() && contains(i))
            .or_else(|| {
                let i = body.partition_point(|s| s.end() <= offset);
                (i < body.len() && body[i].start() <= offset).then_some(i)
            })?;
        self.last = i;
        Some(i)
    }
}

/// A set of words, with a test that rejects most other identifiers without hashing them.
#[derive(Default)]
struct Words<'t> {
    set: HashSet<&'t str>,
    filter: NameFilter,
}

impl<'t> Words<'t> {
    fn insert(&mut self, word: &'t str) {
        self.filter.insert(word);
        self.set.insert(word);
    }

    fn contains(&self, word: &str) -> bool {
        self.filter.may_contain(word) && self.set.contains(word)
    }
}

/// For each word of `could_be`, the top-level statements whose identifiers (names, attribute
/// and parameter names, soft keywords, the words of strings but long docstrings) include it.
fn mentions<'t>(body: &[Stmt], input: &Input<'t>, could_be: &Words) -> HashMap<&'t str, Vec<u32>> {
    let text = input.text;
    let mut mentioned_by: HashMap<&'t str, Vec<u32>> = HashMap::default();
    let mut mention = |stmt: u32, word: &'t str| {
        if could_be.contains(word) {
            let by = mentioned_by.entry(word).or_default();
            if by.last() != Some(&stmt) {
                by.push(stmt);
            }
        }
    };
    let mut stmt = 0usize;
    for token in input.tokens {
        let kind = token.kind();
        let is_string = kind == TokenKind::String;
        if !(kind == TokenKind::Name || is_string || kind.is_soft_keyword()) {
            continue;
        }
        let range = token.range();
        while stmt < body.len() && body[stmt].end() <= range.start() {
            stmt += 1;
        }
        if stmt == body.len() || range.start() < body[stmt].start() {
            continue;
        }
        let index = stmt as u32;
        if !is_string {
            mention(index, &text[range]);
        } else if !token.is_triple_quoted_string() || range.len().to_usize() <= SHORT_STRING {
            for word in identifiers(&text[range]) {
                mention(index, word);
            }
        }
    }
    mentioned_by
}

/// The identifier-like words of a string token's text: runs of ASCII letters, digits and
/// underscores (and any non-ASCII byte) that do not start with a digit.
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let word_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || !b.is_ascii();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            while at < bytes.len() && !word_byte(bytes[at]) {
                at += 1;
            }
            let start = at;
            while at < bytes.len() && word_byte(bytes[at]) {
                at += 1;
            }
            // Runs split at ASCII bytes only, so both ends are character boundaries.
            if start < at && !bytes[start].is_ascii_digit() {
                return Some(&text[start..at]);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::builder;

    /// The names of the top-level statements `Focus::of` skips in `source`, with rule needles
    /// `needles`.
    fn skipped(source: &str, needles: &[&str]) -> Vec<String> {
        let parsed = ruff_python_parser::parse_module(source).unwrap();
        let module = parsed.syntax();
        let bindings = builder::build(module, None);
        let imports = Imports::from_bindings(&bindings, module);
        let mut offsets: Vec<usize> = needles
            .iter()
            .flat_map(|n| source.match_indices(n).map(|(i, _)| i))
            .collect();
        offsets.sort_unstable();
        let input = Input {
            text: source,
            tokens: parsed.tokens(),
            needles: offsets,
        };
        let focus = Focus::of(&module.body, &bindings, &imports, &input);
        module
            .body
            .iter()
            .enumerate()
            .filter(|(i, _)| focus.skips(*i))
            .map(|(_, stmt)| match stmt {
                Stmt::FunctionDef(def) => def.name.to_string(),
                Stmt::ClassDef(class) => class.name.to_string(),
                other => source[other.range()].to_string(),
            })
            .collect()
    }

    #[test]
    fn skips_definitions_that_name_nothing_leading_to_websockets() {
        let source = r#"
import os
import websockets as w

def unrelated(path):
    return os.path.join(path, "x")

async def dial(uri):
    return await w.connect(uri)

class Parser:
    def parse(self, text):
        return text.split()
"#;
        assert_eq!(skipped(source, &[]), ["unrelated", "Parser"]);
    }

    #[test]
    fn follows_what_relevant_code_defines_and_calls() {
        let source = r#"
from websockets.legacy.client import connect, WebSocketClientProtocol

POOL = []

def close_all():
    for ws in POOL:
        ws.fail_connection()

async def fill(uri):
    ws = await connect(uri)
    POOL.append(ws)
    helper(ws)

def helper(conn):
    conn.send("hi")

class Base(WebSocketClientProtocol):
    pass

class Derived(Base):
    pass

class Holder:
    def start(self):
        self.link = make()

def make():
    return connect("ws://x")

def uses_link(holder: Holder):
    return holder.link.open

def unknown_holder(holder):
    return holder.link.open

def other():
    return 1
"#;
        assert_eq!(skipped(source, &[]), ["unknown_holder", "other"]);
    }

    #[test]
    fn follows_a_long_chain_of_definitions() {
        let mut source = String::from("import websockets\n\ndef f0(ws):\n    websockets.x\n");
        for i in 1..300 {
            source.push_str(&format!("\ndef f{i}(ws):\n    f{}(ws)\n", i - 1));
        }
        source.push_str("\ndef alone():\n    pass\n");
        assert_eq!(skipped(&source, &[]), ["alone"]);
    }

    #[test]
    fn many_imports_of_one_name_are_one_word() {
        // The same function many times over, each with its own `import websockets` (a queue
        // entry per import made this quadratic: benches/growth.py, "repeated fns").
        let mut source = String::new();
        for _ in 0..2_000 {
            source.push_str("def f(ws):\n    import websockets\n    ws.x()\n");
        }
        source.push_str("def alone():\n    pass\n");
        assert_eq!(skipped(&source, &[]), ["alone"]);
    }

    #[test]
    fn reads_string_annotations_and_rule_needles() {
        let source = r#"
import websockets.legacy.client as legacy

def annotated(ws: "legacy.WebSocketClientProtocol"):
    pass

def heuristic(conn):
    conn.fail_connection()

def neither(conn):
    conn.close()
"#;
        assert_eq!(skipped(source, &["fail_connection"]), ["neither"]);
        assert_eq!(skipped(source, &[]), ["heuristic", "neither"]);
    }

    #[test]
    fn walks_everything_with_an_open_websockets_star_import() {
        let source = "from websockets.typing import *\n\ndef f():\n    pass\n";
        assert!(skipped(source, &[]).is_empty());
        // A star import with a table binds the names it lists, like any import.
        let source = "from websockets.legacy.client import *\n\ndef f():\n    pass\n\n\
                      def g(uri):\n    return connect(uri)\n";
        assert_eq!(skipped(source, &[]), ["f"]);
        // Another module's star import brings nothing from websockets.
        let source = "from .util import *\nimport websockets\n\ndef f():\n    pass\n";
        assert_eq!(skipped(source, &[]), ["f"]);
        let source = "import websockets\n\ndef f():\n    pass\n";
        assert_eq!(skipped(source, &[]), ["f"]);
    }

    #[test]
    fn decorators_belong_to_their_definition() {
        let source = r#"
import websockets

@websockets.something
def decorated():
    pass

@other
def plain():
    pass
"#;
        assert_eq!(skipped(source, &[]), ["plain"]);
    }
}
