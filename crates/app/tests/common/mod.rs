//! Helpers of the command-line tests: run the real binary, read its output, a scratch directory.
// Each test binary uses some of these.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Run `jiceng ARGS --data-dir DATA`.
pub fn jiceng(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jiceng"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("JICENG_DATABASE_URL")
        .env("JICENG_LOG", "warn")
        .output()
        .expect("run jiceng")
}

/// Standard output and error, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// The JSON printed by `--format json`.
pub fn report(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

/// The keys of an object, sorted: the contract of `--format json`.
pub fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// A scratch directory, removed when dropped.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(tag: &str) -> Dir {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let d = std::env::temp_dir().join(format!("jiceng-cli-{tag}-{}-{nanos}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }

    /// Write a file into the directory; its path.
    pub fn file(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, content).unwrap();
        p.to_string_lossy().into_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
