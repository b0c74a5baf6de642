//! Property test over mutated fixtures: take every rule fixture and e2e program, mutate it in
//! deterministic pseudo-random ways (drop, duplicate, swap or re-indent lines, splice tokens,
//! truncate), run `check --fix --unsafe-fixes` over all mutants at once, and check that
//!
//! - wsmigrate never crashes or drops a fix (exit code ≤ 1, no WS903 finding);
//! - it rewrote mutants at all (every round: a no-op `--fix` must not pass);
//! - every file it rewrote is, by CPython's own `compile()`, no worse than before: a mutant
//!   CPython compiled still compiles (so no `await` in a plain `def`, no `return` outside a
//!   function, ...), one CPython could only parse still parses. The fix engine already drops
//!   fixes our parser rejects, so our parser would be no judge here; CPython is independent.
//! - a second `--fix` changes nothing.
//!
//! `WSMIGRATE_FUZZ_ROUNDS` (default 4) and `WSMIGRATE_FUZZ_SEED` widen or vary the search;
//! `WSMIGRATE_PYTHON` (default `python3`) is the judge.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SPLICES: &[&str] = &[
    "ws.open",
    "not ws.closed",
    "ws.fail_connection()",
    "await ws.fail_connection(1011, 'x')",
    "(",
    ")",
    ":",
    "lambda ws, path: ws.path",
    "extra_headers={'A': 'b'}",
    "websockets.serve(handler, '', 0, timeout=3)",
    "\"\"\"",
    "\\",
    "async ",
    "    ",
    "\t",
    "# noqa: WS001",
    "except InvalidStatusCode as e: e.status_code",
];

fn mutate(source: &str, rng: &mut Rng) -> String {
    let mut lines: Vec<String> = source.lines().map(String::from).collect();
    if lines.is_empty() {
        return source.to_string();
    }
    for _ in 0..1 + rng.below(3) {
        let i = rng.below(lines.len());
        match rng.below(7) {
            0 => {
                lines.remove(i);
                if lines.is_empty() {
                    break;
                }
            }
            1 => {
                let copy = lines[i].clone();
                lines.insert(i, copy);
            }
            2 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            3 => lines[i] = format!("    {}", lines[i]),
            4 => {
                let at = rng.below(lines[i].len() + 1);
                let at = (0..=at)
                    .rev()
                    .find(|&k| lines[i].is_char_boundary(k))
                    .unwrap_or(0);
                let splice = SPLICES[rng.below(SPLICES.len())];
                lines[i].insert_str(at, splice);
            }
            5 => {
                let splice = SPLICES[rng.below(SPLICES.len())];
                lines.insert(i, splice.to_string());
            }
            _ => lines.truncate(i.max(1)),
        }
    }
    let mut out = lines.join(if rng.below(5) == 0 { "\r\n" } else { "\n" });
    out.push('\n');
    out
}

fn seeds() -> Vec<PathBuf> {
    let root = repo_root().join("fixtures");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Reads `BEFORE_DIR AFTER_DIR` and file names on stdin; prints `name before after` per file,
/// each judged `compiles`, `parses` (ast.parse only: a compile-time error such as `await`
/// outside an async function) or `broken`.
const JUDGE: &str = r#"
import ast, sys
def judge(path):
    source = open(path, "rb").read()
    try:
        compile(source, path, "exec", dont_inherit=True)
        return "compiles"
    except (SyntaxError, ValueError):
        pass
    try:
        ast.parse(source)
        return "parses"
    except (SyntaxError, ValueError):
        return "broken"
before, after = sys.argv[1], sys.argv[2]
for name in sys.stdin.read().split():
    print(name, judge(f"{before}/{name}"), judge(f"{after}/{name}"))
"#;

fn rank(verdict: &str) -> u8 {
    match verdict {
        "compiles" => 2,
        "parses" => 1,
        _ => 0,
    }
}

/// CPython's verdicts on the rewritten files, before and after the rewrite.
fn cpython_verdicts(python: &str, before: &Path, after: &Path, names: &[&str]) -> String {
    let mut child = Command::new(python)
        .arg("-c")
        .arg(JUDGE)
        .arg(before)
        .arg(after)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the CPython judge");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(names.join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the CPython judge failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn mutated_fixtures_never_crash_and_fixes_always_parse() {
    let rounds: usize = std::env::var("WSMIGRATE_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let seed: u64 = std::env::var("WSMIGRATE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_CAFE);
    let python = std::env::var("WSMIGRATE_PYTHON").unwrap_or_else(|_| "python3".into());
    if !Command::new(&python)
        .args(["-c", "import ast"])
        .status()
        .is_ok_and(|s| s.success())
    {
        common::skip(
            "mutated_fixtures_never_crash_and_fixes_always_parse",
            &format!("no `{python}` to judge the rewritten files"),
        );
        return;
    }
    let seeds = seeds();
    assert!(
        seeds.len() > 50,
        "expected the fixture corpus, found {}",
        seeds.len()
    );
    let mut rng = Rng(seed | 1);
    let mut mutants = 0;
    let mut rewritten_total = 0;
    for round in 0..rounds {
        let dir = scratch("fuzz");
        let before_dir = scratch("fuzz-before");
        let mut originals = Vec::new();
        for (n, path) in seeds.iter().enumerate() {
            let source = fs::read_to_string(path).unwrap();
            let mutant = mutate(&source, &mut rng);
            let name = format!("m{round}_{n}.py");
            fs::write(dir.join(&name), &mutant).unwrap();
            originals.push((name, mutant));
        }
        mutants += originals.len();
        let out = run(
            &dir,
            &[
                "check",
                "--fix",
                "--unsafe-fixes",
                "--output-format",
                "concise",
                "--extend-select",
                "WS4",
                ".",
            ],
        );
        let report = stdout(&out);
        assert!(
            code(&out) <= 1 && !report.contains("WS903"),
            "round {round} (seed {seed}): exit {}\n{}\n{}",
            code(&out),
            report
                .lines()
                .filter(|l| l.contains("WS903") || l.contains("internal"))
                .collect::<Vec<_>>()
                .join("\n"),
            stderr(&out)
        );
        let mut rewritten = Vec::new();
        for (name, before) in &originals {
            let after = fs::read_to_string(dir.join(name)).unwrap();
            if &after != before {
                fs::write(before_dir.join(name), before).unwrap();
                rewritten.push(name.as_str());
            }
        }
        assert!(
            !rewritten.is_empty(),
            "round {round} (seed {seed}): --fix rewrote none of {} mutants",
            originals.len()
        );
        rewritten_total += rewritten.len();
        let verdicts = cpython_verdicts(&python, &before_dir, &dir, &rewritten);
        assert_eq!(verdicts.lines().count(), rewritten.len(), "{verdicts}");
        for line in verdicts.lines() {
            let [name, before, after] = line.split(' ').collect::<Vec<_>>()[..] else {
                panic!("judge output: {line}");
            };
            assert!(
                rank(after) >= rank(before),
                "round {round}: CPython: {name} {before} before the rewrite, {after} after:\n{}",
                fs::read_to_string(dir.join(name)).unwrap()
            );
        }
        let again = run(
            &dir,
            &[
                "check",
                "--fix",
                "--unsafe-fixes",
                "--output-format",
                "concise",
                "--extend-select",
                "WS4",
                ".",
            ],
        );
        assert!(code(&again) <= 1, "{}", stderr(&again));
        assert!(
            !stdout(&again)
                .lines()
                .any(|l| l.starts_with("Fixed ") && !l.starts_with("Fixed 0 ")),
            "round {round}: a second --fix still fixed something:\n{}",
            stdout(&again)
        );
        let _ = fs::remove_dir_all(&dir);
        let _ = fs::remove_dir_all(&before_dir);
    }
    println!(
        "fuzz: {mutants} mutants in {rounds} rounds, seed {seed}: {rewritten_total} rewritten, \
         each judged by CPython"
    );
}
