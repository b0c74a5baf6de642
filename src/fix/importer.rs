//! Edits that make a name importable: shared by every rule whose fix needs an import, so that an
//! import is added once, in the right place, reusing what the file already has.

use ruff_python_ast::{Expr, ModModule, Stmt};
use ruff_text_size::{Ranged, TextSize};

use crate::diagnostic::Edit;
use crate::semantic::Imports;

pub struct Importer<'a> {
    source: &'a str,
    module: &'a ModModule,
    imports: &'a Imports,
}

/// The local name to write, and the edit (if any) that makes it available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedName {
    pub local: String,
    pub edit: Option<Edit>,
}

impl<'a> Importer<'a> {
    pub fn new(source: &'a str, module: &'a ModModule, imports: &'a Imports) -> Self {
        Importer {
            source,
            module,
            imports,
        }
    }

    /// Makes `module.name` available, as `name` when that is free, else as an alias.
    pub fn from_import(&self, module: &str, name: &str) -> ImportedName {
        let qualified = format!("{module}.{name}");
        if let Some((local, _)) = self
            .imports
            .bindings()
            .find(|(_, b)| b.qualified == qualified)
        {
            return ImportedName {
                local: local.to_string(),
                edit: None,
            };
        }
        // `import websockets` + `websockets.protocol.State` would need the submodule imported;
        // a `from` import is simpler and always right.
        let local = self.free_name(name);
        let alias = if local == name {
            name.to_string()
        } else {
            format!("{name} as {local}")
        };
        if let Some(existing) = self.top_level_from_import(module) {
            if let Some(last) = existing.names.last() {
                return ImportedName {
                    local,
                    edit: Some(Edit::insert(last.end(), format!(", {alias}"))),
                };
            }
        }
        ImportedName {
            local,
            edit: Some(self.new_statement(&format!("from {module} import {alias}"))),
        }
    }

    /// Makes the module `module` (e.g. `asyncio`) available under its own name.
    pub fn import_module(&self, module: &str) -> ImportedName {
        let already = self.module.body.iter().any(|stmt| match stmt {
            Stmt::Import(import) => import
                .names
                .iter()
                .any(|a| a.name.as_str() == module && a.asname.is_none()),
            _ => false,
        });
        ImportedName {
            local: module.to_string(),
            edit: (!already).then(|| self.new_statement(&format!("import {module}"))),
        }
    }

    fn top_level_from_import(&self, module: &str) -> Option<&'a ruff_python_ast::StmtImportFrom> {
        self.module.body.iter().find_map(|stmt| match stmt {
            Stmt::ImportFrom(import)
                if import.level == 0
                    && import.module.as_ref().is_some_and(|m| m.as_str() == module)
                    && !import.names.iter().any(|a| a.name.as_str() == "*")
                    && self.ends_its_line(stmt) =>
            {
                Some(import)
            }
            _ => None,
        })
    }

    /// `name` if no identifier of that spelling appears in the file, else `WsName`, ...
    fn free_name(&self, name: &str) -> String {
        let candidates = [
            name.to_string(),
            format!("Ws{name}"),
            format!("Websockets{name}"),
        ];
        for candidate in &candidates {
            if !contains_identifier(self.source, candidate) {
                return candidate.clone();
            }
        }
        format!("_websockets_{name}")
    }

    fn new_statement(&self, statement: &str) -> Edit {
        let at = self.insertion_point();
        let at_unterminated_end = at.to_usize() == self.source.len()
            && !self.source.is_empty()
            && !self.source.ends_with(['\n', '\r']);
        if at_unterminated_end {
            Edit::insert(at, format!("\n{statement}"))
        } else {
            Edit::insert(at, format!("{statement}\n"))
        }
    }

    /// After the last top-level import of the leading block, else after the docstring and
    /// `from __future__` imports, else at the top.
    fn insertion_point(&self) -> TextSize {
        let mut after: Option<&Stmt> = None;
        for (i, stmt) in self.module.body.iter().enumerate() {
            match stmt {
                Stmt::Import(_) | Stmt::ImportFrom(_) => after = Some(stmt),
                Stmt::Expr(e) if i == 0 && matches!(&*e.value, Expr::StringLiteral(_)) => {
                    after = Some(stmt)
                }
                _ => break,
            }
        }
        match after {
            Some(stmt) => self.line_end_after(stmt.end()),
            None => TextSize::from(0),
        }
    }

    fn ends_its_line(&self, stmt: &Stmt) -> bool {
        let rest = &self.source[stmt.end().to_usize()..];
        let line = rest.split(['\n', '\r']).next().unwrap_or("");
        let trimmed = line.trim_start();
        trimmed.is_empty() || trimmed.starts_with('#')
    }

    /// The offset just after the line ending that follows `offset`.
    fn line_end_after(&self, offset: TextSize) -> TextSize {
        let rest = &self.source[offset.to_usize()..];
        match rest.find(['\n', '\r']) {
            Some(i) => {
                let bytes = rest.as_bytes();
                let len = if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                offset + TextSize::from((i + len) as u32)
            }
            // The last line has no ending: the inserted text must start with one.
            None => TextSize::from(self.source.len() as u32),
        }
    }
}

fn contains_identifier(source: &str, ident: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    source.match_indices(ident).any(|(i, _)| {
        let before = source[..i].chars().next_back();
        let after = source[i + ident.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_parser::parse_module;

    fn apply(source: &str, f: impl Fn(&Importer) -> ImportedName) -> (String, String) {
        let parsed = parse_module(source).unwrap();
        let imports = Imports::collect(parsed.syntax());
        let importer = Importer::new(source, parsed.syntax(), &imports);
        let name = f(&importer);
        let mut out = source.to_string();
        if let Some(edit) = name.edit {
            out.replace_range(
                edit.range.start().to_usize()..edit.range.end().to_usize(),
                &edit.content,
            );
        }
        (name.local, out)
    }

    #[test]
    fn adds_after_docstring_and_imports() {
        let (local, out) = apply(
            "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport websockets\n\nx = 1\n",
            |i| i.from_import("websockets.protocol", "State"),
        );
        assert_eq!(local, "State");
        assert_eq!(
            out,
            "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport websockets\nfrom websockets.protocol import State\n\nx = 1\n"
        );
    }

    #[test]
    fn reuses_and_merges_and_avoids_clashes() {
        let (local, out) = apply("from websockets.protocol import State as S\n", |i| {
            i.from_import("websockets.protocol", "State")
        });
        assert_eq!(
            (local.as_str(), out.as_str()),
            ("S", "from websockets.protocol import State as S\n")
        );
        let (_, out) = apply("from websockets.protocol import Side\n", |i| {
            i.from_import("websockets.protocol", "State")
        });
        assert_eq!(out, "from websockets.protocol import Side, State\n");
        let (local, out) = apply("class State: pass\n", |i| {
            i.from_import("websockets.protocol", "State")
        });
        assert_eq!(local, "WsState");
        assert_eq!(
            out,
            "from websockets.protocol import State as WsState\nclass State: pass\n"
        );
    }

    #[test]
    fn imports_module_once() {
        let (_, out) = apply("import asyncio\n", |i| i.import_module("asyncio"));
        assert_eq!(out, "import asyncio\n");
        let (_, out) = apply("import os\nx = 1\n", |i| i.import_module("asyncio"));
        assert_eq!(out, "import os\nimport asyncio\nx = 1\n");
    }
}
