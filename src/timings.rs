//! Stage times of one run, for the benchmarks: with `WSMIGRATE_TIMINGS=1` in the environment,
//! `pipeline::run` prints to stderr, per stage, its wall time and the CPU time of the whole
//! process during it (all threads: stages run one after the other, each in parallel inside),
//! then the share of the project stages, file counts (`wsmigrate-count: WHAT N`) and the peak
//! resident set after each stage (`wsmigrate-peak-rss-kb: STAGE KB`). Nothing is measured or
//! printed otherwise.
//! `benches/run.sh` reads these lines (`wsmigrate-timings: STAGE wall_ms cpu_ms`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Timings {
    enabled: bool,
    stages: Vec<(&'static str, Duration, Duration)>,
    counts: Vec<(&'static str, usize)>,
    /// The process's peak resident set (KB) at the end of each stage.
    peaks: Vec<(&'static str, i64)>,
}

/// The stages that exist only because the files of a run are one program (issue 11): without
/// them each file would be linted once, on its own.
const PROJECT_STAGES: &[&str] = &["project", "propagate", "groups", "relint"];

impl Timings {
    pub fn from_env() -> Timings {
        Timings {
            enabled: std::env::var_os("WSMIGRATE_TIMINGS").is_some_and(|v| !v.is_empty()),
            stages: Vec::new(),
            counts: Vec::new(),
            peaks: Vec::new(),
        }
    }

    /// Runs `f` as the stage `name`.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        if !self.enabled {
            return f();
        }
        let (wall, cpu) = (Instant::now(), process_cpu());
        let out = f();
        self.stages
            .push((name, wall.elapsed(), process_cpu().saturating_sub(cpu)));
        self.peaks.push((name, usage().ru_maxrss));
        out
    }

    /// A sum of thread CPU times inside a parallel stage (for a part of its files).
    pub fn counter(&self) -> Counter {
        Counter {
            enabled: self.enabled,
            nanos: AtomicU64::new(0),
        }
    }

    /// Records the CPU time summed by `counter` as the stage `name` (its wall time is part of
    /// the stage it was counted in, printed as 0).
    pub fn add(&mut self, name: &'static str, counter: Counter) {
        if self.enabled {
            let spent = Duration::from_nanos(counter.nanos.into_inner());
            self.stages.push((name, Duration::ZERO, spent));
        }
    }

    /// Records how many files (or rounds) a stage handled, printed as
    /// `wsmigrate-count: NAME N`; `f` is only called when timings are on.
    pub fn count(&mut self, name: &'static str, f: impl FnOnce() -> usize) {
        if self.enabled {
            self.counts.push((name, f()));
        }
    }

    /// Prints the stages (see the module docs).
    pub fn print(&self) {
        if !self.enabled {
            return;
        }
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (mut wall, mut cpu, mut project_wall, mut project_cpu) = (0.0, 0.0, 0.0, 0.0);
        for (name, w, c) in &self.stages {
            eprintln!("wsmigrate-timings: {name} {:.1} {:.1}", ms(*w), ms(*c));
            wall += ms(*w);
            cpu += ms(*c);
            if PROJECT_STAGES.contains(name) {
                project_wall += ms(*w);
                project_cpu += ms(*c);
            }
        }
        // `relint` is part of `files` (wall 0): counted once in the total.
        let cpu = cpu
            - self
                .stages
                .iter()
                .filter(|(_, w, _)| w.is_zero())
                .map(|(_, _, c)| ms(*c))
                .sum::<f64>();
        eprintln!("wsmigrate-timings: total {wall:.1} {cpu:.1}");
        eprintln!("wsmigrate-timings: project-stages {project_wall:.1} {project_cpu:.1}");
        for (name, n) in &self.counts {
            eprintln!("wsmigrate-count: {name} {n}");
        }
        for (name, kb) in &self.peaks {
            eprintln!("wsmigrate-peak-rss-kb: {name} {kb}");
        }
    }
}

/// CPU time of the calling thread so far (not its wall time: on a loaded machine a thread
/// waits for a core).
fn thread_cpu() -> Duration {
    // SAFETY: clock_gettime only writes the struct it is given.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
        ts
    };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn usage() -> libc::rusage {
    // SAFETY: getrusage only writes the struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    }
}

/// User + system time of this process so far, all threads.
fn process_cpu() -> Duration {
    let usage = usage();
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// See [`Timings::counter`].
pub struct Counter {
    enabled: bool,
    nanos: AtomicU64,
}

impl Counter {
    /// Runs `f`, adding its time to the counter when `counted`.
    pub fn time<T>(&self, counted: bool, f: impl FnOnce() -> T) -> T {
        if !(self.enabled && counted) {
            return f();
        }
        let start = thread_cpu();
        let out = f();
        let spent =
            u64::try_from(thread_cpu().saturating_sub(start).as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(spent, Ordering::Relaxed);
        out
    }
}
