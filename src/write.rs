//! Writing fixed files, only ever as the file's owner would replace it.
//!
//! - A symlink is written **through**: the file replaced is the link's final target, in the
//!   target's directory; the link itself is never touched.
//! - The file must be writable by the user running wsmigrate, checked by opening it for writing
//!   (mode bits, ACLs, read-only mounts and immutable files all count, as for an editor).
//! - Normally the new text goes to a temporary file next to the target, created with the
//!   target's mode from the start (never wider: the umask can only narrow it), given the
//!   target's owner, group, mode and extended attributes (ACLs included), then renamed over the
//!   target: an atomic switch for every other process, and for a killed wsmigrate.
//! - When that cannot keep the file's identity — it has several hard links, its owner, group
//!   or an extended attribute cannot be given to a new file, or the directory does not let the
//!   user create one — the file is rewritten in place
//!   through the handle opened above (as vim does with `backupcopy=auto`): links, owner and
//!   attributes stay, at the price of atomicity (a kill during the write leaves it partial).
//! - Freshness: the file's size and modification time are compared with those seen when it was
//!   read, and, as late as possible (after the temporary file is complete, just before the
//!   rename), its content is read again and compared with what was read, byte for byte.
//! - Spare inodes ([`Writer`]): on Linux the switch is an exchange (`renameat2` with
//!   `RENAME_EXCHANGE`), which leaves the old inode at the temporary name. It is kept as the
//!   next temporary file for a file of the same directory, owner, group and mode, neither
//!   having extended attributes (so that a handle opened on the old file earlier can read
//!   nothing its opener could not read by name), and written over. Creating a file was most of
//!   the system time of `--fix` on ext4 (about 0.5 ms each on this project's CI machine; the
//!   whole write of a file through a spare takes 0.1 ms). The spares are removed at the end of
//!   the run; a killed run leaves them, like a temporary file, each holding the old text of a
//!   file it replaced, with that file's mode.
//!
//! What remains: a save that lands between that last comparison and the rename (microseconds)
//! is lost, and so is anything an editor writes *through a handle it opened before the rename*
//! — that write goes to the old inode, which no name points to any more (or which becomes a
//! spare). Editors that save by writing a new file and renaming it (most do) are caught by the
//! comparison.

use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::source::SourceText;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The longest file name most file systems accept, in bytes.
const NAME_MAX: usize = 255;

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
/// `new_text`, through a writer of its own (no spare outlives the call).
pub fn replace_file(
    path: &Path,
    original: &SourceText,
    new_text: &str,
    stamp: Option<Stamp>,
) -> Result<(), String> {
    Writer::default().replace_file(path, original, new_text, stamp)
}

/// Replaces files, keeping the inodes the replaced files leave as spares for the next ones
/// (see the module documentation). Shared by the threads of a run; [`Writer::release`] (or
/// dropping it) removes the spares.
#[derive(Default)]
pub struct Writer {
    spares: Mutex<Vec<Spare>>,
}

/// An empty file at a temporary name, open for writing.
struct Spare {
    path: PathBuf,
    file: File,
    /// Device and inode (to notice that the name was replaced meanwhile).
    id: (u64, u64),
    /// Owner, group and mode.
    identity: (u32, u32, u32),
}

/// At most this many spares wait at once (a few per thread: files of one directory are mostly
/// written by one thread in a row).
const MAX_SPARES: usize = 32;

fn identity(metadata: &fs::Metadata) -> (u32, u32, u32) {
    (metadata.uid(), metadata.gid(), metadata.mode() & 0o7777)
}

impl Writer {
    /// Removes the spares.
    pub fn release(&self) {
        let spares = match self.spares.lock() {
            Ok(mut spares) => std::mem::take(&mut *spares),
            Err(_) => return,
        };
        for spare in spares {
            let _ = fs::remove_file(&spare.path);
        }
    }

    /// A spare in `dir` for a file of `identity`.
    fn take(&self, dir: &Path, identity: (u32, u32, u32)) -> Option<Spare> {
        let mut spares = self.spares.lock().ok()?;
        let at = spares
            .iter()
            .rposition(|s| s.identity == identity && s.path.parent() == Some(dir))?;
        Some(spares.swap_remove(at))
    }

    fn keep(&self, spare: Spare) {
        let evicted = match self.spares.lock() {
            Ok(mut spares) => {
                spares.push(spare);
                (spares.len() > MAX_SPARES).then(|| spares.remove(0))
            }
            Err(_) => Some(spare),
        };
        if let Some(evicted) = evicted {
            let _ = fs::remove_file(&evicted.path);
        }
    }

    /// Replaces the file at `path`, which was read as `original` (with `stamp`, when known),
    /// with `new_text`.
    pub fn replace_file(
        &self,
        path: &Path,
        original: &SourceText,
        new_text: &str,
        stamp: Option<Stamp>,
    ) -> Result<(), String> {
        let expected = original.encode(&original.text);
        let new_bytes = original.encode(new_text);
        // Through symlinks: the link stays a link, its target gets the new text. A path that
        // is not a link is its own target (its directories may be links: the new file is made
        // beside it all the same), and its `lstat` is its `stat`: no `readlink` of every
        // component.
        let own = fs::symlink_metadata(path).map_err(|e| e.to_string())?;
        let (target, metadata) = if own.file_type().is_symlink() {
            let target = fs::canonicalize(path).map_err(|e| e.to_string())?;
            let metadata = fs::metadata(&target).map_err(|e| e.to_string())?;
            (target, metadata)
        } else {
            (path.to_path_buf(), own)
        };
        if !metadata.is_file() {
            return Err("not a regular file".into());
        }
        if stamp.is_some_and(|stamp| Stamp::of(&metadata) != stamp) {
            return Err(CHANGED.into());
        }
        let mut handle = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&target)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::PermissionDenied => {
                    format!("you are not allowed to write this file ({e})")
                }
                _ => format!("cannot open the file for writing: {e}"),
            })?;
        if metadata.nlink() > 1 {
            return write_in_place(&mut handle, &expected, &new_bytes);
        }
        let old = Old {
            path: &target,
            metadata: &metadata,
            file: &handle,
            expected: &expected,
        };
        match self.replace_by_switch(old, &new_bytes) {
            Ok(()) => Ok(()),
            Err(Failure::Identity) => write_in_place(&mut handle, &expected, &new_bytes),
            Err(Failure::Fatal(why)) => Err(why),
        }
    }

    fn replace_by_switch(&self, old: Old, new_bytes: &[u8]) -> Result<(), Failure> {
        let dir = match old.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        // Without extended attributes, the target can take a spare and leave one.
        let bare = xattr::has_none(old.file);
        // A spare the target could have been (same directory, owner, group and mode); else a
        // new temporary file.
        let spare = bare
            .then(|| self.take(dir, identity(old.metadata)))
            .flatten()
            .filter(|spare| {
                // Still at its name (the directory's other writers may have replaced it).
                fs::symlink_metadata(&spare.path).is_ok_and(|m| (m.dev(), m.ino()) == spare.id)
            });
        let (temp, file, recycled) = match spare {
            Some(spare) => (spare.path, spare.file, true),
            None => {
                let temp = temp_path(old.path);
                let mode = old.metadata.permissions().mode() & 0o7777;
                let file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(mode & 0o777)
                    .open(&temp)
                    .map_err(|e| match e.kind() {
                        // A directory the user may not write to, holding a file they may: as
                        // an editor would, write the file in place.
                        std::io::ErrorKind::PermissionDenied => Failure::Identity,
                        _ => Failure::Fatal(format!("cannot create temporary file: {e}")),
                    })?;
                (temp, file, false)
            }
        };
        let result = (|| {
            if !recycled {
                give_identity(&file, old.metadata, old.file)?;
            }
            file.write_all_at(new_bytes, 0)
                .map_err(fatal("cannot write temporary file"))?;
            if recycled {
                file.set_len(new_bytes.len() as u64)
                    .map_err(fatal("cannot write temporary file"))?;
            }
            // No fsync: the rename makes the switch atomic for every other process (and for a
            // killed wsmigrate), as in editors; an fsync per file made `--fix` on a large tree
            // several times slower than `check`.
            drop(file);
            // The freshness check, as late as it can be: the same file, with the same content.
            // The path still names the inode the handle has open, so the content is read
            // through the handle: opening a file again was a sixth of the system time of
            // `--fix` on a tree.
            let now = fs::metadata(old.path).map_err(fatal("cannot re-read file"))?;
            if (now.dev(), now.ino()) != (old.metadata.dev(), old.metadata.ino())
                || content_of(old.file, old.expected.len()).map_err(fatal("cannot re-read file"))?
                    != old.expected
            {
                return Err(Failure::Fatal(CHANGED.into()));
            }
            switch(&temp, old.path).map_err(fatal("cannot replace file"))
        })();
        match result {
            Err(e) => {
                let _ = fs::remove_file(&temp);
                Err(e)
            }
            Ok(Switch::Renamed) => Ok(()),
            Ok(Switch::Exchanged) => {
                // The old inode is at the temporary name: it is the next spare, unless it
                // carries attributes a later file would not have. (Not emptied: freeing its
                // blocks now and allocating others for the next file costs more than writing
                // over them.)
                match bare.then(|| old.file.try_clone()) {
                    Some(Ok(file)) => self.keep(Spare {
                        path: temp,
                        file,
                        id: (old.metadata.dev(), old.metadata.ino()),
                        identity: identity(old.metadata),
                    }),
                    _ => {
                        let _ = fs::remove_file(&temp);
                    }
                }
                Ok(())
            }
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.release();
    }
}

/// The file being replaced.
struct Old<'a> {
    path: &'a Path,
    metadata: &'a fs::Metadata,
    /// Open for reading and writing.
    file: &'a File,
    /// Its content when it was read.
    expected: &'a [u8],
}

enum Failure {
    /// A new file cannot carry the target's owner, group or attributes: write in place.
    Identity,
    Fatal(String),
}

fn fatal(context: &str) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::Fatal(format!("{context}: {e}"))
}

/// How the temporary file took the target's name.
enum Switch {
    /// Exchanged with the target: the old inode is at the temporary name.
    Exchanged,
    /// Renamed over the target (a file system without exchange): the old inode is gone.
    Renamed,
}

/// `temp` takes the name `target`, atomically.
fn switch(temp: &Path, target: &Path) -> std::io::Result<Switch> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        let from = CString::new(temp.as_os_str().as_bytes())?;
        let to = CString::new(target.as_os_str().as_bytes())?;
        // SAFETY: both paths are NUL-terminated and outlive the call.
        let done = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if done == 0 {
            return Ok(Switch::Exchanged);
        }
        let error = std::io::Error::last_os_error();
        match error.raw_os_error() {
            Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => {}
            _ => return Err(error),
        }
    }
    fs::rename(temp, target)?;
    Ok(Switch::Renamed)
}

/// The whole content of an open file, from its start (`expected`: about how long it is).
fn content_of(mut file: &File, expected: usize) -> std::io::Result<Vec<u8>> {
    let mut content = Vec::with_capacity(expected + 1);
    file.seek(SeekFrom::Start(0))?;
    // Through `Take`: `File::read_to_end` would fstat the file again for a size hint.
    file.take(u64::MAX).read_to_end(&mut content)?;
    Ok(content)
}

/// Owner, group, mode and extended attributes of the original, on the new file (owner before
/// mode: a change of owner clears the set-user-ID bit).
fn give_identity(file: &File, metadata: &fs::Metadata, original: &File) -> Result<(), Failure> {
    let own = file
        .metadata()
        .map_err(fatal("cannot stat temporary file"))?;
    if (own.uid(), own.gid()) != (metadata.uid(), metadata.gid())
        && std::os::unix::fs::fchown(file, Some(metadata.uid()), Some(metadata.gid())).is_err()
    {
        return Err(Failure::Identity);
    }
    // Created with the target's mode, which the umask may have narrowed: most often it is right.
    if own.permissions().mode() & 0o7777 != metadata.permissions().mode() & 0o7777 {
        file.set_permissions(metadata.permissions())
            .map_err(fatal("cannot copy permissions"))?;
    }
    xattr::copy(original, file).map_err(|()| Failure::Identity)
}

/// Rewrites the file through `handle`, after checking that it still holds `expected`.
fn write_in_place(handle: &mut File, expected: &[u8], new_bytes: &[u8]) -> Result<(), String> {
    let mut now = Vec::with_capacity(expected.len() + 1);
    handle
        .read_to_end(&mut now)
        .map_err(|e| format!("cannot re-read file: {e}"))?;
    if now != expected {
        return Err(CHANGED.into());
    }
    (|| {
        handle.seek(SeekFrom::Start(0))?;
        handle.write_all(new_bytes)?;
        handle.set_len(new_bytes.len() as u64)?;
        handle.flush()
    })()
    .map_err(|e| format!("cannot write file in place: {e}"))
}

/// `.NAME.wsmigrate-PID-N.tmp` in the target's directory, with NAME shortened so that the
/// whole name fits in 255 bytes.
fn temp_path(target: &Path) -> PathBuf {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let suffix = format!(
        ".wsmigrate-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let name = target.file_name().map(OsStrExt::as_bytes).unwrap_or(b"");
    let keep = name.len().min(NAME_MAX - 1 - suffix.len());
    let mut temp = Vec::with_capacity(NAME_MAX);
    temp.push(b'.');
    temp.extend_from_slice(&name[..keep]);
    temp.extend_from_slice(suffix.as_bytes());
    dir.join(std::ffi::OsStr::from_bytes(&temp))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod xattr {
    //! Extended attributes (`user.*`, `security.*`, and ACLs as `system.posix_acl_access`).

    use std::ffi::CString;
    use std::fs::File;
    use std::os::fd::AsRawFd;

    /// The attribute names of a file; none where the file system has no attributes.
    fn names(file: &File) -> Result<Vec<CString>, ()> {
        let fd = file.as_raw_fd();
        loop {
            // SAFETY: a null buffer of size 0 asks for the size only.
            let size = unsafe { libc::flistxattr(fd, std::ptr::null_mut(), 0) };
            if size < 0 {
                return match std::io::Error::last_os_error().raw_os_error() {
                    Some(libc::ENOTSUP) => Ok(Vec::new()),
                    _ => Err(()),
                };
            }
            if size == 0 {
                return Ok(Vec::new()); // most files: no second call
            }
            let mut buf = vec![0u8; size as usize];
            // SAFETY: `buf` has room for `buf.len()` bytes.
            let got = unsafe { libc::flistxattr(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if got < 0 {
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::ERANGE) {
                    continue; // Grew meanwhile.
                }
                return Err(());
            }
            buf.truncate(got as usize);
            return Ok(buf
                .split(|b| *b == 0)
                .filter(|n| !n.is_empty())
                .filter_map(|n| CString::new(n).ok())
                .collect());
        }
    }

    fn value(file: &File, name: &CString) -> Result<Vec<u8>, ()> {
        let fd = file.as_raw_fd();
        loop {
            // SAFETY: size query, as above.
            let size = unsafe { libc::fgetxattr(fd, name.as_ptr(), std::ptr::null_mut(), 0) };
            if size < 0 {
                return Err(());
            }
            let mut buf = vec![0u8; size as usize];
            // SAFETY: `buf` has room for `buf.len()` bytes.
            let got =
                unsafe { libc::fgetxattr(fd, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
            if got < 0 {
                if std::io::Error::last_os_error().raw_os_error() == Some(libc::ERANGE) {
                    continue;
                }
                return Err(());
            }
            buf.truncate(got as usize);
            return Ok(buf);
        }
    }

    /// Whether the file has no extended attributes (false when that cannot be told).
    pub fn has_none(file: &File) -> bool {
        names(file).is_ok_and(|names| names.is_empty())
    }

    /// Makes `to`'s attributes those of `from`: copies each, and removes what `to` got on its
    /// own (an ACL inherited from the directory's default ACL).
    pub fn copy(from: &File, to: &File) -> Result<(), ()> {
        let wanted = names(from)?;
        for name in names(to)? {
            if !wanted.contains(&name) {
                // SAFETY: `name` is NUL-terminated.
                if unsafe { libc::fremovexattr(to.as_raw_fd(), name.as_ptr()) } != 0 {
                    return Err(());
                }
            }
        }
        for name in &wanted {
            let value = value(from, name)?;
            // SAFETY: `value` is valid for `value.len()` bytes; `name` is NUL-terminated.
            let set = unsafe {
                libc::fsetxattr(
                    to.as_raw_fd(),
                    name.as_ptr(),
                    value.as_ptr().cast(),
                    value.len(),
                    0,
                )
            };
            if set != 0 {
                return Err(());
            }
        }
        Ok(())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod xattr {
    /// Elsewhere attributes are not looked at.
    pub fn has_none(_file: &std::fs::File) -> bool {
        true
    }

    /// Elsewhere attributes are not copied; a file's identity is its owner, group and mode.
    pub fn copy(_from: &std::fs::File, _to: &std::fs::File) -> Result<(), ()> {
        Ok(())
    }
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

    #[test]
    fn temporary_names_fit_in_255_bytes() {
        let long = "é".repeat(126) + ".py"; // 255 bytes
        let temp = temp_path(&Path::new("/some/dir").join(&long));
        let name = temp.file_name().unwrap().as_bytes();
        assert!(name.len() <= NAME_MAX, "{}", name.len());
        assert!(name.starts_with(b".\xc3\xa9"));
        assert!(name.ends_with(b".tmp"));
        assert_eq!(temp.parent(), Some(Path::new("/some/dir")));
    }
}
