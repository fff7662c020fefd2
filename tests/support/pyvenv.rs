//! A Python with a framework installed, for the live interop tests: a
//! virtualenv in `<target dir>/<name>`, created on first use with
//! `pip install <requirement>` (PyPI must be reachable then), shared by test
//! processes through a lock directory. A failure to set it up is returned
//! as an error: the tests that use it fail, they never skip.
//!
//! The lock is the same protocol as `tests/django_live.rs`'s (a directory
//! `<target dir>/<name>.lock` holding the owner's pid), so tests that set up
//! the same virtualenv never install it twice at once.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime};
use std::{env, fs, process, thread};

/// What to install, and how to tell that an interpreter has it.
pub struct Framework {
    /// The virtualenv's directory name under the target directory.
    pub venv: &'static str,
    /// The pip requirement, e.g. `flask>=3.1.1,<3.2`.
    pub requirement: &'static str,
    /// The module to import.
    pub module: &'static str,
    /// Python that prints the installed version.
    pub version_code: &'static str,
    /// Whether a version is the one wanted.
    pub accepts: fn(&str) -> bool,
    /// An environment variable that may name a Python that already has it.
    pub python_env: &'static str,
}

fn version_of(framework: &Framework, python: &Path) -> Result<String, String> {
    let out = Command::new(python)
        .args(["-c", framework.version_code])
        .output()
        .map_err(|err| format!("cannot run {}: {err}", python.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(format!(
            "{} cannot import {}: {}",
            python.display(),
            framework.module,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The interpreter to use, installing the framework if needed.
pub fn ensure(framework: &Framework) -> Result<PathBuf, String> {
    if let Some(python) = env::var_os(framework.python_env) {
        let python = PathBuf::from(python);
        let version = version_of(framework, &python)
            .map_err(|why| format!("{} is set, but {why}", framework.python_env))?;
        println!(
            "using {}={} ({} {version})",
            framework.python_env,
            python.display(),
            framework.module
        );
        return Ok(python);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A relative CARGO_TARGET_DIR is relative to where cargo ran; the tests
    // of this package run in the manifest directory.
    let target = env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| manifest.join("target"), |dir| manifest.join(dir));
    let venv = target.join(framework.venv);
    let python = venv_python(&venv);
    let usable =
        |python: &Path| version_of(framework, python).is_ok_and(|v| (framework.accepts)(&v));
    if usable(&python) {
        return Ok(python);
    }
    fs::create_dir_all(&target)
        .map_err(|err| format!("cannot create {}: {err}", target.display()))?;
    let _lock = DirLock::acquire(&target.join(format!("{}.lock", framework.venv)))?;
    if usable(&python) {
        return Ok(python);
    }
    println!(
        "creating {} with {} from PyPI",
        venv.display(),
        framework.requirement
    );
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .map_err(|err| format!("cannot remove the broken {}: {err}", venv.display()))?;
    }
    let result = install(framework, &venv, &python);
    if result.is_err() {
        // Leave nothing half-made for the next run to trust.
        let _ = fs::remove_dir_all(&venv);
    }
    result.map(|version| {
        println!("installed {} {version}", framework.module);
        python
    })
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn install(framework: &Framework, venv: &Path, python: &Path) -> Result<String, String> {
    let base = if cfg!(windows) { "python" } else { "python3" };
    run_step(
        Command::new(base).arg("-m").arg("venv").arg(venv),
        "python3 -m venv",
    )?;
    run_step(
        Command::new(python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            framework.requirement,
        ]),
        &format!(
            "pip install \"{}\" (is PyPI reachable?)",
            framework.requirement
        ),
    )?;
    let version = version_of(framework, python)?;
    if (framework.accepts)(&version) {
        Ok(version)
    } else {
        Err(format!(
            "pip installed {} {version}, not {}",
            framework.module, framework.requirement
        ))
    }
}

fn run_step(command: &mut Command, what: &str) -> Result<(), String> {
    let out = command
        .output()
        .map_err(|err| format!("{what}: cannot start: {err}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Runs `script` with `args` under `python`; panics with its output when it
/// does not exit 0.
pub fn run_script(python: &Path, script: &Path, args: &[&Path]) -> Output {
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONIOENCODING", "utf-8")
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", script.display()));
    assert!(
        out.status.success(),
        "{} {:?} failed ({}):\n{}{}",
        script.display(),
        args,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A lock between test processes: a directory, since creating one is atomic
/// everywhere. The owner's pid is written inside; a lock whose owner is gone
/// (or that is older than any install could take) is broken.
struct DirLock {
    path: PathBuf,
}

impl DirLock {
    const GIVE_UP: Duration = Duration::from_secs(15 * 60);
    const STALE: Duration = Duration::from_secs(20 * 60);

    fn acquire(path: &Path) -> Result<Self, String> {
        let started = Instant::now();
        loop {
            match fs::create_dir(path) {
                Ok(()) => {
                    let _ = fs::write(path.join("pid"), process::id().to_string());
                    return Ok(Self {
                        path: path.to_owned(),
                    });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    if Self::is_stale(path) {
                        let _ = fs::remove_dir_all(path);
                        continue;
                    }
                    if started.elapsed() > Self::GIVE_UP {
                        return Err(format!("gave up waiting for {}", path.display()));
                    }
                    thread::sleep(Duration::from_millis(200));
                }
                Err(err) => return Err(format!("cannot create {}: {err}", path.display())),
            }
        }
    }

    fn is_stale(path: &Path) -> bool {
        let old = fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > Self::STALE);
        let owner_gone = Path::new("/proc/self").exists()
            && fs::read_to_string(path.join("pid"))
                .ok()
                .and_then(|pid| pid.trim().parse::<u32>().ok())
                .is_some_and(|pid| !Path::new("/proc").join(pid.to_string()).exists());
        old || owner_gone
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// A scratch directory, removed unless the test is failing (then it is kept
/// and its path printed).
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = env::temp_dir().join(format!("session-cookie-{name}-{}-{nanos}", process::id()));
        fs::create_dir_all(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        Self { path }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("case files kept in {}", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}
