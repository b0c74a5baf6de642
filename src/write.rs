//! Writing fixed files: through a temporary file in the same directory and an atomic rename,
//! keeping permissions, BOM and line endings, and never over a file that changed meanwhile.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use crate::source::SourceText;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Size and modification time of a file when it was read: if either differs at write time,
/// someone (an editor) saved the file meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    pub fn of(metadata: &fs::Metadata) -> Stamp {
        Stamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
        }
    }
}

const CHANGED: &str = "the file changed on disk since it was read; not overwriting it";

/// Replaces the file at `path`, which was read as `original` (with `stamp`, when known), with
/// `new_text`. Without a stamp the file is read again and compared.
pub fn replace_file(
    path: &Path,
    original: &SourceText,
    new_text: &str,
    stamp: Option<Stamp>,
) -> Result<(), String> {
    let metadata = fs::metadata(path).map_err(|e| e.to_string())?;
    match stamp {
        Some(stamp) if Stamp::of(&metadata) != stamp => return Err(CHANGED.into()),
        Some(_) => {}
        None => {
            let on_disk = fs::read(path).map_err(|e| format!("cannot re-read file: {e}"))?;
            if on_disk != original.encode(&original.text) {
                return Err(CHANGED.into());
            }
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.wsmigrate-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| format!("cannot create temporary file: {e}"))?;
        file.write_all(&original.encode(new_text))
            .map_err(|e| format!("cannot write temporary file: {e}"))?;
        file.set_permissions(metadata.permissions())
            .map_err(|e| format!("cannot copy permissions: {e}"))?;
        // No fsync: the rename makes the switch atomic for every other process (and for a
        // killed wsmigrate), as in editors and ruff; an fsync per file made `--fix` on a large
        // tree several times slower than `check`.
        drop(file);
        fs::rename(&temp, path).map_err(|e| format!("cannot replace file: {e}"))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_a_changed_file() {
        let dir = std::env::temp_dir().join(format!("wsmigrate-write-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.py");
        fs::write(&path, "x = 1\r\n").unwrap();
        let original = SourceText::decode(fs::read(&path).unwrap()).unwrap();
        fs::write(&path, "x = 2\r\n").unwrap();
        assert!(replace_file(&path, &original, "y = 1\r\n", None).is_err());
        fs::write(&path, "x = 1\r\n").unwrap();
        let stamp = Stamp::of(&fs::metadata(&path).unwrap());
        // Same length, later modification time: an editor saved it.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(&path, "x = 3\r\n").unwrap();
        assert!(replace_file(&path, &original, "y = 1\r\n", Some(stamp)).is_err());
        fs::write(&path, "x = 1\r\n").unwrap();
        replace_file(&path, &original, "y = 1\r\n", None).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"y = 1\r\n");
        let leftovers = fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file left behind");
        fs::remove_dir_all(&dir).unwrap();
    }
}
