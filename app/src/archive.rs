//! A directory as one byte string and back. Per file, sorted by `/`-separated relative path:
//! `u32 path length, path, u64 file size, u32 extent count, (u64 offset, u64 length, data)*`.
//! Only non-zero 4 KiB blocks are stored, so the engine's large preallocated (sparse) files
//! cost what they hold, and unpacking recreates them sparse. Unpacking refuses absolute paths
//! and `..`.

use std::io::{Seek as _, SeekFrom, Write as _};
use std::path::{Component, Path, PathBuf};

use crate::AppError;

pub(crate) fn io(path: &Path, e: std::io::Error) -> AppError {
    AppError::Io { path: path.to_owned(), source: e }
}

/// Every regular file under `dir` (recursively) for which `skip` is false, packed. `skip`
/// sees paths relative to `dir`; a skipped directory is not walked.
pub fn pack(dir: &Path, skip: &dyn Fn(&Path) -> bool) -> Result<Vec<u8>, AppError> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let path = entry.map_err(|e| io(&d, e))?.path();
            if skip(path.strip_prefix(dir).expect("walked under dir")) {
                continue;
            }
            let kind = std::fs::symlink_metadata(&path).map_err(|e| io(&path, e))?.file_type();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let relative = path.strip_prefix(dir).expect("walked under dir");
        let name: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let name = name.join("/");
        let data = std::fs::read(&path).map_err(|e| io(&path, e))?;
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(data.len() as u64).to_le_bytes());
        let extents = extents(&data);
        out.extend_from_slice(&(extents.len() as u32).to_le_bytes());
        for (start, end) in extents {
            out.extend_from_slice(&(start as u64).to_le_bytes());
            out.extend_from_slice(&((end - start) as u64).to_le_bytes());
            out.extend_from_slice(&data[start..end]);
        }
    }
    Ok(out)
}

const BLOCK: usize = 4096;

/// The byte ranges of `data` that are not all zero, in whole blocks, merged.
fn extents(data: &[u8]) -> Vec<(usize, usize)> {
    static ZERO: [u8; BLOCK] = [0; BLOCK];
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, block) in data.chunks(BLOCK).enumerate() {
        if block == &ZERO[..block.len()] {
            continue;
        }
        let (start, end) = (i * BLOCK, i * BLOCK + block.len());
        match out.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => out.push((start, end)),
        }
    }
    out
}

fn safe_relative(name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(name);
    path.components().all(|c| matches!(c, Component::Normal(_))).then_some(path)
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], AppError> {
        if self.0.len() < n {
            return Err(AppError::BackupInvalid("the archive is truncated".into()));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn u32(&mut self) -> Result<usize, AppError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")) as usize)
    }
    fn u64(&mut self) -> Result<usize, AppError> {
        usize::try_from(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
            .map_err(|_| AppError::BackupInvalid("a file length does not fit in memory".into()))
    }
}

/// Writes the packed files under `dir` (which must not exist yet); returns how many.
pub fn unpack(bytes: &[u8], dir: &Path) -> Result<usize, AppError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut cursor = Cursor(bytes);
    let mut count = 0;
    while !cursor.0.is_empty() {
        let len = cursor.u32()?;
        let name = std::str::from_utf8(cursor.take(len)?)
            .map_err(|_| AppError::BackupInvalid("a file name is not UTF-8".into()))?;
        let relative = safe_relative(name)
            .ok_or_else(|| AppError::BackupInvalid(format!("the file name '{name}' escapes the store directory")))?;
        let size = cursor.u64()?;
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        let mut file = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
        // The size first: the holes between extents stay sparse.
        file.set_len(size as u64).map_err(|e| io(&path, e))?;
        for _ in 0..cursor.u32()? {
            let offset = cursor.u64()?;
            let len = cursor.u64()?;
            let data = cursor.take(len)?;
            if offset.checked_add(data.len()).is_none_or(|end| end > size) {
                return Err(AppError::BackupInvalid(format!("an extent of '{name}' lies beyond its size")));
            }
            file.seek(SeekFrom::Start(offset as u64)).map_err(|e| io(&path, e))?;
            file.write_all(data).map_err(|e| io(&path, e))?;
        }
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_round_trips() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(src.path().join("a/b")).unwrap();
        std::fs::write(src.path().join("a/b/one"), b"1").unwrap();
        std::fs::write(src.path().join("two"), vec![7u8; 10_000]).unwrap();
        // A mostly-zero file: stored by its non-zero blocks only.
        let mut sparse = vec![0u8; 1 << 20];
        sparse[5000] = 1;
        sparse[(1 << 20) - 1] = 2;
        std::fs::write(src.path().join("sparse"), &sparse).unwrap();
        std::fs::write(src.path().join("a/empty"), b"").unwrap();
        std::fs::create_dir_all(src.path().join("a/skipped")).unwrap();
        std::fs::write(src.path().join("a/skipped/big"), b"not packed").unwrap();
        let packed = pack(src.path(), &|p| p.ends_with("skipped")).unwrap();
        let dst = tempfile::tempdir().unwrap();
        assert!(packed.len() < 20_000 + 3 * 4096, "zero blocks are not stored ({} bytes)", packed.len());
        assert_eq!(unpack(&packed, &dst.path().join("out")).unwrap(), 4);
        assert_eq!(std::fs::read(dst.path().join("out/sparse")).unwrap(), sparse);
        assert_eq!(std::fs::read(dst.path().join("out/a/b/one")).unwrap(), b"1");
        assert_eq!(std::fs::read(dst.path().join("out/two")).unwrap(), vec![7u8; 10_000]);
        assert!(dst.path().join("out/a/empty").exists());
        assert!(!dst.path().join("out/a/skipped").exists(), "skipped directories are not packed");
    }

    #[test]
    fn hostile_or_truncated_archives_are_refused() {
        let mut evil = Vec::new();
        let name = b"../escape";
        evil.extend_from_slice(&(name.len() as u32).to_le_bytes());
        evil.extend_from_slice(name);
        evil.extend_from_slice(&1u64.to_le_bytes());
        evil.extend_from_slice(&1u32.to_le_bytes());
        evil.extend_from_slice(&0u64.to_le_bytes());
        evil.extend_from_slice(&1u64.to_le_bytes());
        evil.push(b'x');
        let dst = tempfile::tempdir().unwrap();
        let err = unpack(&evil, &dst.path().join("o")).unwrap_err().to_string();
        assert!(err.contains("escapes"), "{err}");
        assert!(!dst.path().join("escape").exists());
        let err = unpack(&evil[..6], &dst.path().join("p")).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
    }
}
