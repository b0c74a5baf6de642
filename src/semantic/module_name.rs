//! A file's module name within its project.

/// Where a file sits in its project: what relative imports are relative to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleName {
    /// `pkg.handlers` for `pkg/handlers.py`, `pkg` for `pkg/__init__.py`.
    pub name: String,
    /// An `__init__.py`: `from . import x` is relative to the module itself.
    pub is_package: bool,
}

impl ModuleName {
    /// The module `from <dots><module> import ...` names (`level` dots), if the file's own
    /// name is known and the dots do not climb out of it.
    pub fn relative(&self, level: u32, module: Option<&str>) -> Option<String> {
        let mut parts: Vec<&str> = self.name.split('.').filter(|p| !p.is_empty()).collect();
        let climb = level as usize - usize::from(self.is_package);
        if climb > parts.len() {
            return None;
        }
        parts.truncate(parts.len() - climb);
        if let Some(module) = module {
            parts.push(module);
        }
        (!parts.is_empty()).then(|| parts.join("."))
    }
}
