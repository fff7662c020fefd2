//! Running the `session-cookie` binary as a script would, for the CLI
//! tests of every format.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The binary cargo built for this test run.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_session-cookie");

/// Runs the binary with `args`, feeding `stdin` (or nothing) to it.
pub(crate) fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// What it printed on stdout.
pub(crate) fn stdout(output: &Output) -> &str {
    std::str::from_utf8(&output.stdout).unwrap()
}

/// What it printed on stderr.
pub(crate) fn stderr(output: &Output) -> &str {
    std::str::from_utf8(&output.stderr).unwrap()
}
