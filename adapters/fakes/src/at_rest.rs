//! Test helper for the at-rest privacy checks: read every file a store left on disk.

use std::path::Path;

/// Every file under `dir`, recursively, as (path, bytes). Panics on IO errors (tests only).
pub fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read a directory of the store") {
            let path = entry.expect("read a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).expect("read a store file")));
            }
        }
    }
    out
}
