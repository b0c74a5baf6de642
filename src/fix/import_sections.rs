//! Which section of a file's imports a module belongs to, as isort (and ruff's `I001`) sort
//! them: `__future__`, the standard library, third-party packages, the project's own modules,
//! relative imports.

/// Sections in the order isort writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Future,
    Stdlib,
    /// Third-party and the project's own: told apart by the file's blocks, not by name.
    ThirdParty,
    Local,
}

/// The section of an absolute module (`level` > 0 is a relative import). Nothing tells a
/// first-party module from a third-party one here: the caller reads that from the file's own
/// blocks.
pub fn section_of(module: &str, level: u32) -> Section {
    if level > 0 {
        return Section::Local;
    }
    let top = module.split('.').next().unwrap_or(module);
    if top == "__future__" {
        Section::Future
    } else if STDLIB.binary_search(&top).is_ok() {
        Section::Stdlib
    } else {
        Section::ThirdParty
    }
}

/// Top-level modules of the standard library (CPython 3.11's `sys.stdlib_module_names`, public
/// names only), sorted for binary search.
#[rustfmt::skip]
static STDLIB: &[&str] = &[
    "abc", "aifc", "antigravity", "argparse", "array", "ast", "asynchat", "asyncio", "asyncore",
    "atexit", "audioop", "base64", "bdb", "binascii", "bisect", "builtins", "bz2", "cProfile",
    "calendar", "cgi", "cgitb", "chunk", "cmath", "cmd", "code", "codecs", "codeop",
    "collections", "colorsys", "compileall", "concurrent", "configparser", "contextlib",
    "contextvars", "copy", "copyreg", "crypt", "csv", "ctypes", "curses", "dataclasses",
    "datetime", "dbm", "decimal", "difflib", "dis", "distutils", "doctest", "email",
    "encodings", "ensurepip", "enum", "errno", "faulthandler", "fcntl", "filecmp", "fileinput",
    "fnmatch", "fractions", "ftplib", "functools", "gc", "genericpath", "getopt", "getpass",
    "gettext", "glob", "graphlib", "grp", "gzip", "hashlib", "heapq", "hmac", "html", "http",
    "idlelib", "imaplib", "imghdr", "imp", "importlib", "inspect", "io", "ipaddress",
    "itertools", "json", "keyword", "lib2to3", "linecache", "locale", "logging", "lzma",
    "mailbox", "mailcap", "marshal", "math", "mimetypes", "mmap", "modulefinder", "msilib",
    "msvcrt", "multiprocessing", "netrc", "nis", "nntplib", "nt", "ntpath", "nturl2path",
    "numbers", "opcode", "operator", "optparse", "os", "ossaudiodev", "pathlib", "pdb",
    "pickle", "pickletools", "pipes", "pkgutil", "platform", "plistlib", "poplib", "posix",
    "posixpath", "pprint", "profile", "pstats", "pty", "pwd", "py_compile", "pyclbr", "pydoc",
    "pydoc_data", "pyexpat", "queue", "quopri", "random", "re", "readline", "reprlib",
    "resource", "rlcompleter", "runpy", "sched", "secrets", "select", "selectors", "shelve",
    "shlex", "shutil", "signal", "site", "smtpd", "smtplib", "sndhdr", "socket", "socketserver",
    "spwd", "sqlite3", "sre_compile", "sre_constants", "sre_parse", "ssl", "stat", "statistics",
    "string", "stringprep", "struct", "subprocess", "sunau", "symtable", "sys", "sysconfig",
    "syslog", "tabnanny", "tarfile", "telnetlib", "tempfile", "termios", "textwrap", "this",
    "threading", "time", "timeit", "tkinter", "token", "tokenize", "tomllib", "trace",
    "traceback", "tracemalloc", "tty", "turtle", "turtledemo", "types", "typing", "unicodedata",
    "unittest", "urllib", "uu", "uuid", "venv", "warnings", "wave", "weakref", "webbrowser",
    "winreg", "winsound", "wsgiref", "xdrlib", "xml", "xmlrpc", "zipapp", "zipfile",
    "zipimport", "zlib", "zoneinfo",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_classifies() {
        assert!(STDLIB.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(section_of("asyncio", 0), Section::Stdlib);
        assert_eq!(section_of("os.path", 0), Section::Stdlib);
        assert_eq!(section_of("websockets.frames", 0), Section::ThirdParty);
        assert_eq!(section_of("__future__", 0), Section::Future);
        assert_eq!(section_of("pkg", 1), Section::Local);
    }
}
