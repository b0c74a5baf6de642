//! Issue 17: a fixed file is only ever replaced as its owner would replace it — symlinks, hard
//! links, permissions, owner, group, ACLs and xattrs kept; the temporary file never readable by
//! more users than the file; a save made meanwhile never lost silently.
//!
//! The tests run as root (CI does); the ones about another user run wsmigrate as `nobody` with
//! `setpriv`, and fail (rather than skip) when that is impossible.

mod common;

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output};

use common::{bin, code, run, scratch, stderr, stdout};

/// One safe WS001 finding on line 6.
const LEGACY: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        ws.fail_connection(1011, \"boom\")\n";
const FIXED: &str = "import websockets\n\n\nasync def main():\n    async with websockets.connect(\"ws://x\") as ws:\n        await ws.close(1011, \"boom\")\n";

const NOBODY: u32 = 65534;

fn fix(dir: &Path, path: &str) -> Output {
    run(dir, &["check", "--fix", "--output-format", "concise", path])
}

fn read(path: impl AsRef<Path>) -> String {
    fs::read_to_string(path).unwrap()
}

/// Runs wsmigrate as `nobody` (uid and gid 65534, no supplementary groups).
fn run_as_nobody(dir: &Path, args: &[&str]) -> Output {
    let status = Command::new("setpriv").arg("--version").output();
    assert!(
        status.is_ok_and(|s| s.status.success()),
        "setpriv (util-linux) is needed to run wsmigrate as another user"
    );
    Command::new("setpriv")
        .args([
            "--reuid",
            &NOBODY.to_string(),
            "--regid",
            &NOBODY.to_string(),
            "--clear-groups",
        ])
        .arg(env!("CARGO_BIN_EXE_wsmigrate"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) {
    let c_path = CString::new(path.as_os_str().as_bytes()).unwrap();
    let c_name = CString::new(name).unwrap();
    // SAFETY: valid NUL-terminated strings and a buffer of `value.len()` bytes.
    let rc = unsafe {
        libc::setxattr(
            c_path.as_ptr(),
            c_name.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    assert_eq!(
        rc,
        0,
        "setxattr {name}: {}",
        std::io::Error::last_os_error()
    );
}

fn get_xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let c_path = CString::new(path.as_os_str().as_bytes()).unwrap();
    let c_name = CString::new(name).unwrap();
    let mut buf = vec![0u8; 4096];
    // SAFETY: as above.
    let got = unsafe {
        libc::getxattr(
            c_path.as_ptr(),
            c_name.as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    (got >= 0).then(|| {
        buf.truncate(got as usize);
        buf
    })
}

/// A POSIX access ACL in the kernel's xattr format: owner rw, user `uid` rw, group r, mask rw,
/// other nothing (what `setfacl -m u:UID:rw` on a 0640 file gives).
fn acl_granting(uid: u32) -> Vec<u8> {
    let mut acl = 2u32.to_le_bytes().to_vec();
    let undefined = u32::MAX;
    for (tag, perm, id) in [
        (0x01u16, 6u16, undefined), // ACL_USER_OBJ
        (0x02, 6, uid),             // ACL_USER
        (0x04, 4, undefined),       // ACL_GROUP_OBJ
        (0x10, 6, undefined),       // ACL_MASK
        (0x20, 0, undefined),       // ACL_OTHER
    ] {
        acl.extend_from_slice(&tag.to_le_bytes());
        acl.extend_from_slice(&perm.to_le_bytes());
        acl.extend_from_slice(&id.to_le_bytes());
    }
    acl
}

#[test]
fn a_symlinked_file_is_written_through_its_link() {
    let dir = scratch("w-symlink");
    fs::create_dir(dir.join("real")).unwrap();
    fs::write(dir.join("real/target.py"), LEGACY).unwrap();
    symlink("real/target.py", dir.join("link.py")).unwrap();
    let out = fix(&dir, "link.py");
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let link = fs::symlink_metadata(dir.join("link.py")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert_eq!(read(dir.join("real/target.py")), FIXED);
    // No temporary file left next to the link or the target.
    for d in [&dir, &dir.join("real")] {
        for entry in fs::read_dir(d).unwrap() {
            let name = entry.unwrap().file_name();
            assert!(!name.to_string_lossy().ends_with(".tmp"), "{name:?}");
        }
    }

    // Walking the directory meets the file under both names: it is fixed once, link kept.
    fs::write(dir.join("real/target.py"), LEGACY).unwrap();
    let out = fix(&dir, ".");
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("Fixed 1 problem"), "{}", stdout(&out));
    assert!(fs::symlink_metadata(dir.join("link.py"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(read(dir.join("real/target.py")), FIXED);

    // `--add-noqa` writes through the link too.
    fs::write(dir.join("real/target.py"), LEGACY).unwrap();
    let out = run(&dir, &["check", "--add-noqa", "link.py"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(fs::symlink_metadata(dir.join("link.py"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(read(dir.join("real/target.py")).contains("# noqa: WS001"));
}

#[test]
fn hard_links_stay_one_file() {
    let dir = scratch("w-hardlink");
    fs::create_dir(dir.join("other")).unwrap();
    fs::write(dir.join("a.py"), LEGACY).unwrap();
    fs::hard_link(dir.join("a.py"), dir.join("other/b.txt")).unwrap();
    let inode = fs::metadata(dir.join("a.py")).unwrap().ino();
    let out = fix(&dir, "a.py");
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(read(dir.join("a.py")), FIXED);
    assert_eq!(
        read(dir.join("other/b.txt")),
        FIXED,
        "the hard link was split"
    );
    assert_eq!(fs::metadata(dir.join("a.py")).unwrap().ino(), inode);
    assert_eq!(fs::metadata(dir.join("a.py")).unwrap().nlink(), 2);
}

#[test]
fn owner_group_mode_acl_and_xattrs_are_kept() {
    let dir = scratch("w-owner");
    let path = dir.join("a.py");
    fs::write(&path, LEGACY).unwrap();
    chown(&path, NOBODY, NOBODY);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    set_xattr(&path, "user.origin", b"kept");
    let acl = acl_granting(1234);
    set_xattr(&path, "system.posix_acl_access", &acl);
    let mode = fs::metadata(&path).unwrap().mode();
    let out = fix(&dir, "a.py");
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(read(&path), FIXED);
    let meta = fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (NOBODY, NOBODY), "owner changed");
    assert_eq!(meta.mode(), mode, "mode changed");
    assert_eq!(
        get_xattr(&path, "user.origin").as_deref(),
        Some(&b"kept"[..])
    );
    assert_eq!(
        get_xattr(&path, "system.posix_acl_access"),
        Some(acl),
        "ACL dropped"
    );
}

#[test]
fn files_of_one_directory_share_spare_inodes_and_each_keeps_its_own_identity() {
    // Files with different modes, owners and attributes, in one directory and its child: each
    // replaced file's inode may serve as the next one's temporary file, never for a file whose
    // identity differs.
    let dir = scratch("w-spares");
    fs::create_dir(dir.join("sub")).unwrap();
    let mut files = Vec::new();
    for i in 0..12 {
        let name = match i % 4 {
            3 => format!("sub/m{i:02}.py"),
            _ => format!("m{i:02}.py"),
        };
        let path = dir.join(&name);
        fs::write(&path, LEGACY).unwrap();
        let mode = [0o644, 0o600, 0o640][i % 3];
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        if i % 5 == 4 {
            chown(&path, NOBODY, NOBODY);
        }
        if i % 6 == 5 {
            set_xattr(&path, "user.origin", name.as_bytes());
        }
        let meta = fs::metadata(&path).unwrap();
        files.push((path, meta));
    }
    // A new inode is born during the run; a spare was born with the file it replaced.
    std::thread::sleep(std::time::Duration::from_millis(50));
    let started = std::time::SystemTime::now();
    let out = run(&dir, &["check", "--fix", "--threads", "1", "-q", "."]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let mut reused = 0;
    for (path, before) in &files {
        assert_eq!(read(path), FIXED, "{}", path.display());
        let after = fs::metadata(path).unwrap();
        assert_eq!(
            (after.uid(), after.gid(), after.mode()),
            (before.uid(), before.gid(), before.mode()),
            "{}",
            path.display()
        );
        assert_ne!(
            after.ino(),
            before.ino(),
            "{} was not replaced",
            path.display()
        );
        let born = after
            .created()
            .expect("the scratch file system records birth times");
        reused += usize::from(born < started);
    }
    for (i, (path, _)) in files.iter().enumerate() {
        let name = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let want = (i % 6 == 5).then(|| name.into_bytes());
        assert_eq!(get_xattr(path, "user.origin"), want, "{}", path.display());
    }
    assert!(reused > 0, "no replaced file's inode served another file");
    for sub in [dir.clone(), dir.join("sub")] {
        let left: Vec<_> = fs::read_dir(&sub)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}

#[test]
fn a_file_the_user_cannot_write_is_not_written_and_the_run_fails() {
    let dir = scratch("w-perm");
    // A directory anyone may write in (as /tmp): the rename alone would succeed.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
    let own = dir.join("readonly.py");
    fs::write(&own, LEGACY).unwrap();
    chown(&own, NOBODY, NOBODY);
    fs::set_permissions(&own, fs::Permissions::from_mode(0o444)).unwrap();
    let roots = dir.join("roots.py");
    fs::write(&roots, LEGACY).unwrap();
    fs::set_permissions(&roots, fs::Permissions::from_mode(0o644)).unwrap();
    for name in ["readonly.py", "roots.py"] {
        let out = run_as_nobody(
            &dir,
            &[
                "check",
                "--fix",
                "--exit-zero",
                "--output-format",
                "concise",
                name,
            ],
        );
        let text = stdout(&out);
        assert_eq!(code(&out), 2, "{name}: {text}{}", stderr(&out));
        assert!(text.contains("not allowed to write"), "{name}: {text}");
        // The finding that was not fixed is still reported.
        assert!(
            text.contains(&format!("{name}:6:9: WS001")),
            "{name}: {text}"
        );
        assert!(!text.contains("Fixed 1"), "{name}: {text}");
    }
    assert_eq!(read(&own), LEGACY);
    assert_eq!(read(&roots), LEGACY);
    assert_eq!(fs::metadata(&roots).unwrap().uid(), 0);
    assert_eq!(fs::metadata(&own).unwrap().uid(), NOBODY);

    // A file nobody may write through its group, owned by root: written, owner kept.
    let shared = dir.join("shared.py");
    fs::write(&shared, LEGACY).unwrap();
    chown(&shared, 0, NOBODY);
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o664)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_wsmigrate"))
        .args(["check", "--fix", "--output-format", "concise", "shared.py"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(read(&shared), FIXED);
    let meta = fs::metadata(&shared).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (0, NOBODY), "owner changed");
}

#[test]
fn a_writable_file_in_a_read_only_directory_is_written_in_place() {
    let dir = scratch("w-rodir");
    fs::create_dir(dir.join("ro")).unwrap();
    let path = dir.join("ro/a.py");
    fs::write(&path, LEGACY).unwrap();
    chown(&path, NOBODY, NOBODY);
    fs::set_permissions(dir.join("ro"), fs::Permissions::from_mode(0o755)).unwrap();
    let inode = fs::metadata(&path).unwrap().ino();
    let out = run_as_nobody(
        &dir,
        &["check", "--fix", "--output-format", "concise", "ro/a.py"],
    );
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(read(&path), FIXED);
    assert_eq!(fs::metadata(&path).unwrap().ino(), inode);
}

#[test]
fn the_temporary_file_is_never_readable_by_more_users_than_the_file() {
    let dir = scratch("w-tempmode");
    let path = dir.join("secret.py");
    // Large, so that writing the temporary file takes long enough to be seen.
    let text = format!("{LEGACY}x = \"{}\"\n", "s".repeat(64 * 1024 * 1024));
    let mut seen = Vec::new();
    for _ in 0..5 {
        fs::write(&path, &text).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let mut child = bin()
            .current_dir(&dir)
            .args(["check", "--fix", "-q", "secret.py"])
            .spawn()
            .unwrap();
        while child.try_wait().unwrap().is_none() {
            for entry in fs::read_dir(&dir).unwrap() {
                let entry = entry.unwrap();
                if entry.file_name().to_string_lossy().ends_with(".tmp") {
                    if let Ok(meta) = entry.metadata() {
                        seen.push(meta.mode() & 0o777);
                    }
                }
            }
        }
        assert_eq!(fs::metadata(&path).unwrap().mode() & 0o777, 0o600);
        if !seen.is_empty() {
            break;
        }
    }
    assert!(!seen.is_empty(), "never saw the temporary file");
    assert!(
        seen.iter().all(|mode| mode & !0o600 == 0),
        "temporary file modes seen (octal): {:?}",
        seen.iter().map(|m| format!("{m:o}")).collect::<Vec<_>>()
    );
}

#[test]
fn a_save_with_the_same_size_and_time_is_noticed() {
    use wsmigrate::source::SourceText;
    use wsmigrate::write::{replace_file, Stamp};
    let dir = scratch("w-race");
    let path = dir.join("a.py");
    fs::write(&path, LEGACY).unwrap();
    let meta = fs::metadata(&path).unwrap();
    let stamp = Stamp::of(&meta);
    let original = SourceText::decode(fs::read(&path).unwrap()).unwrap();
    // An editor saves the same number of bytes, and the clock shows the same time.
    let edited = LEGACY.replace("ws://x", "ws://y");
    fs::write(&path, &edited).unwrap();
    let file = fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(meta.modified().unwrap()).unwrap();
    drop(file);
    assert_eq!(Stamp::of(&fs::metadata(&path).unwrap()), stamp);
    let result = replace_file(&path, &original, FIXED, Some(stamp));
    assert!(result.is_err_and(|e| e.contains("changed on disk")));
    assert_eq!(read(&path), edited, "the editor's save was lost");
}

#[test]
fn a_name_of_255_bytes_is_fixed() {
    let dir = scratch("w-longname");
    let name = format!("{}.py", "n".repeat(252));
    fs::write(dir.join(&name), LEGACY).unwrap();
    let out = fix(&dir, &name);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(read(dir.join(&name)), FIXED);
}
