//! Which SQLite files the server's `sqlite:` connectors may open: only files inside a directory
//! listed in `security.sqlite_dirs`, compared after resolving symlinks and `..` on both sides, so
//! that an admin (or a stolen admin session) cannot point a connector at the server's own store,
//! key files or any other database the process can read. `sqlgate query --db` does not pass
//! through here: it runs with the operator's own rights.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// Why a SQLite file may not be opened.
#[derive(Debug, Error)]
pub enum SqliteRefused {
    /// No directory is allowed.
    #[error("the server opens no SQLite files: list the directory that holds `{path}` in security.sqlite_dirs (or SQLGATE_SECURITY_SQLITE_DIRS) and restart it")]
    NoDirectories {
        /// The path as given.
        path: String,
    },
    /// The file cannot be resolved (it does not exist, or a directory on the way is unreadable).
    #[error("`{path}` cannot be opened ({reason}); give the path of an existing SQLite file inside a directory listed in security.sqlite_dirs")]
    Unresolved {
        /// The path as given.
        path: String,
        /// What the file system said.
        reason: String,
    },
    /// The file, its symlinks resolved, is outside every allowed directory.
    #[error("`{path}` is not inside a directory listed in security.sqlite_dirs (it resolves to `{resolved}`); move the file into one of them, or add its directory to security.sqlite_dirs and restart the server")]
    Outside {
        /// The path as given.
        path: String,
        /// Where it leads.
        resolved: String,
    },
}

/// The canonical path of `path` (symlinks and `..` resolved), if it lies inside one of `dirs`
/// (each resolved the same way; a directory that cannot be resolved allows nothing).
pub fn allowed(path: &Path, dirs: &[PathBuf]) -> Result<PathBuf, SqliteRefused> {
    let shown = || path.display().to_string();
    if dirs.is_empty() {
        return Err(SqliteRefused::NoDirectories { path: shown() });
    }
    let resolved = std::fs::canonicalize(path)
        .map_err(|e| SqliteRefused::Unresolved { path: shown(), reason: e.kind().to_string() })?;
    // `starts_with` compares whole components: `/data/db` does not contain `/data/db2/x`.
    let inside = dirs.iter().filter_map(|dir| std::fs::canonicalize(dir).ok()).any(|dir| resolved.starts_with(dir));
    if inside {
        Ok(resolved)
    } else {
        Err(SqliteRefused::Outside { path: shown(), resolved: resolved.display().to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `root/allowed/inside.db`, `root/outside/secret.db`, and a sibling whose name starts like
    /// the allowed directory's.
    fn tree(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("sqlgate-sqlite-dirs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["allowed", "outside", "allowed-not"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for file in ["allowed/inside.db", "outside/secret.db", "allowed-not/x.db"] {
            std::fs::write(root.join(file), b"").unwrap();
        }
        root
    }

    #[test]
    fn only_files_inside_an_allowed_directory_pass() {
        let root = tree("inside");
        let dirs = [root.join("allowed")];
        let inside = allowed(&root.join("allowed/inside.db"), &dirs).unwrap();
        assert_eq!(inside, std::fs::canonicalize(root.join("allowed/inside.db")).unwrap());
        // The directory itself may be written with `..` or a trailing slash.
        let dotted = [root.join("outside/../allowed/")];
        assert!(allowed(&root.join("allowed/inside.db"), &dotted).is_ok());
        for refused in ["outside/secret.db", "allowed/../outside/secret.db", "allowed-not/x.db"] {
            let e = allowed(&root.join(refused), &dirs).unwrap_err();
            assert!(matches!(e, SqliteRefused::Outside { .. }), "{refused}: {e}");
            assert!(e.to_string().contains("security.sqlite_dirs"), "{e}");
        }
        let e = allowed(&root.join("allowed/missing.db"), &dirs).unwrap_err();
        assert!(matches!(e, SqliteRefused::Unresolved { .. }), "{e}");
        let e = allowed(&root.join("allowed/inside.db"), &[]).unwrap_err();
        assert!(matches!(e, SqliteRefused::NoDirectories { .. }) && e.to_string().contains("sqlite_dirs"), "{e}");
        assert!(allowed(&root.join("allowed/inside.db"), &[root.join("nowhere")]).is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn symlinks_are_followed_before_the_check() {
        let root = tree("links");
        let dirs = [root.join("allowed")];
        std::os::unix::fs::symlink(root.join("outside/secret.db"), root.join("allowed/link.db")).unwrap();
        std::os::unix::fs::symlink(root.join("outside"), root.join("allowed/sub")).unwrap();
        for refused in ["allowed/link.db", "allowed/sub/secret.db"] {
            let e = allowed(&root.join(refused), &dirs).unwrap_err();
            assert!(matches!(e, SqliteRefused::Outside { .. }), "{refused}: {e}");
        }
        // A link from outside into an allowed directory opens the file it leads to.
        std::os::unix::fs::symlink(root.join("allowed/inside.db"), root.join("outside/in.db")).unwrap();
        let resolved = allowed(&root.join("outside/in.db"), &dirs).unwrap();
        assert_eq!(resolved, std::fs::canonicalize(root.join("allowed/inside.db")).unwrap());
        std::fs::remove_dir_all(&root).unwrap();
    }
}
