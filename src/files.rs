//! The files runtop is pointed at: the ones it writes hold runner data
//! (recordings, alert logs, exports, baselines), the ones it reads may be
//! anything a user typed (`/dev/zero` included).
//!
//! Written files are created mode 0600 (an existing regular file is narrowed
//! to 0600 too) and are never opened through a symbolic link: a link planted
//! where a recording goes must not make runtop append runner data to its
//! target. Read files are capped in size, so a device or a huge file fails
//! with a clear error instead of eating the machine's memory.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// The most runtop reads of a configuration, baseline or certificate file.
pub const MAX_READ_BYTES: u64 = 4 << 20;

/// How a private file is opened for writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Add to the end (recordings, alert logs).
    Append,
    /// Replace the content (exports, baselines).
    Truncate,
}

/// Opens `path` for writing runner data: mode 0600, never through a
/// symbolic link, never a directory.
pub fn create_private(path: &Path, mode: WriteMode) -> io::Result<File> {
    if path.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "it is a directory",
        ));
    }
    let mut options = OpenOptions::new();
    options.create(true);
    match mode {
        WriteMode::Append => options.append(true),
        WriteMode::Truncate => options.write(true).truncate(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path).map_err(|e| {
        if is_symlink_refusal(&e, path) {
            io::Error::new(
                io::ErrorKind::PermissionDenied,
                "it is a symbolic link; runtop does not write runner data through one",
            )
        } else {
            e
        }
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A file that existed before keeps its mode through open(2): narrow
        // it, but only a regular file (never chmod a device like /dev/null).
        let meta = file.metadata()?;
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// Writes `bytes` to `path` as a private file (see [`create_private`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = create_private(path, WriteMode::Truncate)?;
    file.write_all(bytes)?;
    file.flush()
}

/// Reads at most [`MAX_READ_BYTES`] of `path`; a larger file (or an endless
/// device) is an error, not an allocation that never ends.
pub fn read_capped(path: &Path) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_READ_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_READ_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {} MiB", MAX_READ_BYTES >> 20),
        ));
    }
    Ok(bytes)
}

/// Reads a capped text file (see [`read_capped`]).
pub fn read_capped_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read_capped(path)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

fn is_symlink_refusal(e: &io::Error, path: &Path) -> bool {
    // ELOOP on Linux, EMLINK on some BSDs; checked by looking at the path.
    e.raw_os_error().is_some()
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("runtop-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_0600_and_never_written_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let d = dir("private");
        let path = d.join("alerts.ndjson");
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(create_private(&path, WriteMode::Append).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        write_private(&d.join("new.json"), b"{}").unwrap();
        let mode = std::fs::metadata(d.join("new.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);

        let target = d.join("target");
        std::fs::write(&target, "").unwrap();
        let link = d.join("planted");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for mode in [WriteMode::Append, WriteMode::Truncate] {
            let err = create_private(&link, mode).unwrap_err();
            assert!(err.to_string().contains("symbolic link"), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
        assert!(create_private(&d, WriteMode::Append).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn reads_are_capped() {
        let err = read_capped(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("larger than 4 MiB"), "{err}");
        let d = dir("read");
        std::fs::write(d.join("small"), "x = 1\n").unwrap();
        assert_eq!(read_capped_string(&d.join("small")).unwrap(), "x = 1\n");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
