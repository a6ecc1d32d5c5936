//! Keeping generated and measured files current, one way for all of them.
//!
//! Borrowed from rust-analyzer's xtask: a generator computes the file's contents; in
//! [`Mode::Write`] a changed file is rewritten, in [`Mode::Check`] (CI) a changed file is an
//! error naming it. Codegen, the reliability table and the benchmark page all go through here.

use std::path::Path;

/// Rewrite a stale file, or refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write the new contents when they differ.
    Write,
    /// Fail when the committed contents differ.
    Check,
}

/// Makes sure `path` holds `contents`: writes it (Write) or fails naming it (Check).
pub fn ensure_file_contents(path: &Path, contents: &str, mode: Mode) -> Result<(), String> {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current == contents {
        println!("{} is up to date", path.display());
        return Ok(());
    }
    match mode {
        Mode::Check => Err(format!("{} is stale", path.display())),
        Mode::Write => {
            std::fs::write(path, contents)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
            println!("wrote {}", path.display());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_refuses_a_stale_file_and_write_mends_it() {
        let dir = std::env::temp_dir().join(format!("xtask-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("page.md");
        std::fs::write(&path, "old").unwrap();
        let err = ensure_file_contents(&path, "new", Mode::Check).unwrap_err();
        assert!(err.contains("page.md is stale"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        ensure_file_contents(&path, "new", Mode::Write).unwrap();
        ensure_file_contents(&path, "new", Mode::Check).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
