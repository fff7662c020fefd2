//! Debian's Chromium and ChromeDriver for the browser test, installed only
//! when missing, and only where installing is expected: as root or when
//! `CI` is set. Elsewhere the test fails with a message naming the two
//! packages. The install is quiet (`-qq`, no recommended packages, no
//! upgrades), runs under a lock so that parallel test runs do not race apt,
//! and prints one summary line.

use std::path::Path;
use std::process::Command;

/// The browser binary the test drives.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
/// The WebDriver server for it.
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

const PACKAGES: &str = "chromium chromium-driver";

fn present() -> bool {
    Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// Makes sure Chromium and ChromeDriver are installed.
///
/// # Errors
///
/// A message naming the packages when they are missing and this is not a
/// place to install them, or when `apt-get` fails.
pub(crate) fn ensure() -> Result<(), String> {
    if present() {
        return Ok(());
    }
    if !is_root() && std::env::var_os("CI").is_none() {
        return Err(format!(
            "the browser test needs Debian's {PACKAGES} ({CHROMIUM}, {CHROMEDRIVER}); \
             install them (`sudo apt-get install --no-install-recommends {PACKAGES}`), \
             or run as root or with CI set to let the test install them"
        ));
    }
    let lock = std::env::temp_dir().join("session-cookie-apt.lock");
    // Checked again under the lock: another test run may have installed them.
    let script = format!(
        "test -x {CHROMIUM} && test -x {CHROMEDRIVER} && exit 0; \
         apt-get -qq update >/dev/null && \
         apt-get install -y -qq --no-install-recommends {PACKAGES} >/dev/null"
    );
    let status = Command::new("flock")
        .arg(&lock)
        .args(["sh", "-c", &script])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|err| format!("cannot run flock (util-linux) for apt-get: {err}"))?;
    if !status.success() || !present() {
        return Err(format!(
            "the browser test needs Debian's {PACKAGES}, and \
             `apt-get install -y -qq --no-install-recommends {PACKAGES}` failed ({status})"
        ));
    }
    eprintln!("browser test: installed {PACKAGES} with apt-get (--no-install-recommends)");
    Ok(())
}
