//! The bindings import statements make: `import a.b` binds `a`, `import a.b as c` binds `c`
//! to `a.b`, `from m import x as y` binds `y` to `m.x` (relative modules resolved against the
//! file's module name), and a star import binds the names websockets' `__all__` lists.

use ruff_python_ast::{StmtImport, StmtImportFrom};
use ruff_text_size::{Ranged, TextRange};

use super::super::bindings::{BindingKind, Import};
use super::super::star_exports;
use super::Builder;

impl<'a> Builder<'a, '_> {
    pub(super) fn import_stmt(&mut self, import: &'a StmtImport) {
        for alias in &import.names {
            let module = alias.name.as_str();
            let (local, qualified) = match &alias.asname {
                Some(asname) => (asname.as_str(), module.to_string()),
                // `import a.b.c` binds `a`.
                None => {
                    let root = module.split('.').next().unwrap_or(module);
                    (root, root.to_string())
                }
            };
            let range = alias.asname.as_ref().map_or(alias.range, |a| a.range);
            let import = self.import(qualified, import.range, alias.range);
            self.bind(
                local,
                range,
                alias.start().to_u32(),
                BindingKind::Import(import),
            );
        }
    }

    pub(super) fn import_from(&mut self, from: &'a StmtImportFrom) {
        let written = from.module.as_ref().map(|m| m.as_str());
        let module = if from.level == 0 {
            written.unwrap_or("").to_string()
        } else {
            match self
                .module_name
                .and_then(|m| m.relative(from.level, written))
            {
                Some(module) => module,
                None => format!(
                    "{}{}",
                    ".".repeat(from.level as usize),
                    written.unwrap_or("")
                ),
            }
        };
        for alias in &from.names {
            let name = alias.name.as_str();
            let position = alias.start().to_u32();
            if name == "*" {
                let Some(names) = star_exports::star_names(&module) else {
                    continue;
                };
                for (name, on_latest) in names {
                    let mut import =
                        self.import(format!("{module}.{name}"), from.range, alias.range);
                    import.star = Some(on_latest);
                    let scope = self.current();
                    self.push_binding(
                        scope,
                        name,
                        alias.range,
                        position,
                        BindingKind::Import(import),
                    );
                }
                continue;
            }
            let local = alias.asname.as_ref().unwrap_or(&alias.name);
            let qualified = if module.is_empty() || module.ends_with('.') {
                format!("{module}{name}")
            } else {
                format!("{module}.{name}")
            };
            let import = self.import(qualified, from.range, alias.range);
            self.bind(
                local.as_str(),
                local.range,
                position,
                BindingKind::Import(import),
            );
        }
    }

    fn import(&self, qualified: String, stmt: TextRange, alias: TextRange) -> Import {
        Import {
            qualified,
            stmt,
            alias,
            fallback: self.fallback > 0,
            star: None,
            type_checking: self.type_checking > 0,
        }
    }
}
