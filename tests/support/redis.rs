//! A real Redis for the tests: Debian's `redis-server`, one process per
//! test on a free loopback port, with no persistence (`--save ''
//! --appendonly no`) in a directory of its own, killed on drop. `stop()`
//! and `restart()` (on the same port) make outages.
//!
//! `redis-server` is installed with apt-get when missing, and only where
//! installing is expected: as root or when `CI` is set. Elsewhere the test
//! fails with a message saying how to install it. The install is quiet
//! (`-q`, no recommended packages) and runs under a lock so that parallel
//! test runs do not race apt; its output is shown only if it fails.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const PACKAGE: &str = "redis-server";

/// The `redis-server` binary on `PATH` (Debian puts it in /usr/bin).
fn binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(PACKAGE))
        .find(|candidate| candidate.is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// Makes sure `redis-server` is installed, and says where it is; once per
/// test binary (its tests start servers in parallel).
///
/// # Errors
///
/// A message saying how to install it when it is missing and this is not a
/// place to install it, or when `apt-get` fails.
pub(crate) fn ensure() -> Result<PathBuf, String> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND.get_or_init(install).clone()
}

fn install() -> Result<PathBuf, String> {
    if let Some(found) = binary() {
        return Ok(found);
    }
    if !is_root() && std::env::var_os("CI").is_none() {
        return Err(format!(
            "the Redis tests need Debian's {PACKAGE}; install it \
             (`sudo apt-get install --no-install-recommends {PACKAGE}`), \
             or run as root or with CI set to let the test install it"
        ));
    }
    let lock = std::env::temp_dir().join("session-cookie-apt.lock");
    // Checked again under the lock: another test binary may have installed
    // it meanwhile. apt's and debconf's chatter is kept for a failure only.
    let script = format!(
        "command -v {PACKAGE} >/dev/null && {{ echo present; exit 0; }}; \
         apt-get -q update && \
         apt-get install -y -q --no-install-recommends {PACKAGE}"
    );
    let out = Command::new("flock")
        .arg(&lock)
        .args(["sh", "-c", &script])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run flock (util-linux) for apt-get: {err}"))?;
    match binary() {
        Some(found) if out.status.success() => {
            if out.stdout.trim_ascii() != b"present" {
                eprintln!(
                    "redis tests: installed {PACKAGE} with apt-get (--no-install-recommends)"
                );
            }
            Ok(found)
        }
        _ => Err(format!(
            "the Redis tests need Debian's {PACKAGE}, and \
             `apt-get install -y -q --no-install-recommends {PACKAGE}` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        )),
    }
}

/// A loopback port nothing listens on right now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|err| panic!("no free loopback port: {err}"))
}

/// A `redis-server` process of this test's own.
pub(crate) struct RedisServer {
    binary: PathBuf,
    port: u16,
    dir: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
}

impl RedisServer {
    /// A server on a free port, answering PING.
    pub(crate) fn start() -> Self {
        Self::start_on(free_port(), &[])
    }

    /// A server on `port` with more `redis-server` arguments (such as
    /// `--requirepass`), answering PING.
    pub(crate) fn start_on(port: u16, args: &[&str]) -> Self {
        let binary = ensure().unwrap_or_else(|err| panic!("{err}"));
        let dir = std::env::temp_dir().join(format!(
            "session-cookie-redis-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display()));
        let mut server = Self {
            binary,
            port,
            dir,
            args: args.iter().map(|arg| (*arg).to_owned()).collect(),
            child: None,
        };
        server.spawn();
        server
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// How many keys the server holds (`DBSIZE`).
    pub(crate) fn dbsize(&self) -> usize {
        let mut conn = redis::Client::open(self.url())
            .and_then(|client| client.get_connection())
            .unwrap_or_else(|err| panic!("redis on port {}: {err}", self.port));
        redis::cmd("DBSIZE")
            .query(&mut conn)
            .unwrap_or_else(|err| panic!("DBSIZE: {err}"))
    }

    /// Kills the server and waits until its port refuses connections.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
            assert!(
                Instant::now() < deadline,
                "redis on port {} did not stop",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the server if it runs, and starts a new, empty one on the
    /// same port.
    pub(crate) fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    fn log(&self) -> PathBuf {
        self.dir.join("redis.log")
    }

    fn spawn(&mut self) {
        let port = self.port.to_string();
        let child = Command::new(&self.binary)
            .args([
                "--port",
                &port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(self.log())
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", self.binary.display()));
        self.child = Some(child);
        self.wait_for_ping();
    }

    /// Until the server answers PING (any answer: with `--requirepass` it
    /// is `-NOAUTH`, which still says it is up).
    fn wait_for_ping(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if ping(self.port) {
                return;
            }
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!(
                        "redis-server on port {} exited ({status}): {}",
                        self.port,
                        read_log(&self.log())
                    );
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {} did not answer PING in 10 s: {}",
                self.port,
                read_log(&self.log())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut reply = [0u8; 64];
    stream.write_all(b"PING\r\n").is_ok()
        && stream
            .read(&mut reply)
            .is_ok_and(|n| n > 0 && matches!(reply.first(), Some(b'+' | b'-')))
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| format!("(no log: {err})"))
}
