//! The standard streams when they are not what a program expects: stdout closed early
//! (`| head -c1`) or full (`> /dev/full`), stdin closed (`<&-`) or not readable.

use std::io::{self, Write};

/// Writes `bytes` to stdout. A reader that went away (a broken pipe) is not an error: the
/// output was not wanted any more, and ruff and ripgrep exit quietly too.
pub fn emit(bytes: &[u8]) -> Result<(), String> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(cannot_write(&e)),
        _ => Ok(()),
    }
}

pub fn cannot_write(e: &io::Error) -> String {
    format!("cannot write to stdout: {e}")
}

/// Why stdin cannot be read as a source, if it cannot. The Rust runtime opens `/dev/null`
/// (read-write) in place of a closed standard stream, and reading a write-only one fails with
/// EBADF, which the standard library reports as an empty read: both would pass as an empty
/// file.
pub fn stdin_problem() -> Option<&'static str> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    // SAFETY: F_GETFL on a file descriptor number has no memory effects.
    let flags = unsafe { libc::fcntl(0, libc::F_GETFL) };
    if flags < 0 {
        return Some("stdin is closed");
    }
    match flags & libc::O_ACCMODE {
        libc::O_WRONLY => return Some("stdin is not open for reading"),
        libc::O_RDWR => {}
        _ => return None,
    }
    // Read-write: the runtime's replacement for a closed stdin is `/dev/null` opened so.
    let stdin = std::fs::metadata("/proc/self/fd/0").ok()?;
    let null = std::fs::metadata("/dev/null").ok()?;
    (stdin.file_type().is_char_device() && stdin.rdev() == null.rdev()).then_some("stdin is closed")
}
