//! The UI's built files (`pkg/`: the WebAssembly, its lazily loaded chunks, the JavaScript that
//! loads them) under an address that names their content, so browsers keep them for good.
//!
//! The files' own names say nothing of their content (`chunk_100.wasm` is another file after every
//! build), so under `/pkg/` a browser may only keep them if it asks again each time; a page whose
//! route needs two hundred chunks then waits for two hundred revalidations before it is
//! interactive. At startup the server hashes what `pkg/` holds and serves the same files under
//! `/assets/{version}/pkg/` as immutable; pages load from there (the hydration script's root, and
//! the wasm-split loader resolves chunks next to itself). A new build is a new version, so a
//! browser never mixes an old module with new chunks; servers with the same build agree on the
//! version, so a load balancer may send a page and its chunks to different ones. `/pkg/` still
//! answers, asking browsers to revalidate.

use axum::Router;
use axum::response::Response;
use http::header::CACHE_CONTROL;
use http::{HeaderValue, StatusCode};
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;

/// Where the versioned files are served: `/assets/{version}` followed by `/pkg/...`.
pub fn root(version: &str) -> String {
    format!("/assets/{version}")
}

/// The version of what `pkg_dir` holds: the first 16 hex digits of a SHA-256 over every file's
/// name and content (the precompressed copies are made from them and left out). `None` when the
/// directory cannot be read (no UI built; pages then load from `/pkg/`).
pub fn version(pkg_dir: &Path) -> Option<String> {
    let mut files = Vec::new();
    collect(pkg_dir, &mut files).ok()?;
    files.retain(|path| !matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz")));
    files.sort();
    let mut hash = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    // Read through one small buffer: the files are megabytes, and memory taken at startup stays
    // in the server's idle footprint.
    let mut buffer = vec![0u8; 64 * 1024];
    for path in &files {
        let name = path.strip_prefix(pkg_dir).unwrap_or(path).to_string_lossy();
        let mut file = std::fs::File::open(path).ok()?;
        let length = file.metadata().ok()?.len();
        // Lengths first, so no two different listings hash the same bytes.
        hash.update(&(name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update(&length.to_le_bytes());
        loop {
            let read = std::io::Read::read(&mut file, &mut buffer).ok()?;
            if read == 0 {
                break;
            }
            hash.update(&buffer[..read]);
        }
    }
    (!files.is_empty()).then(|| hex::encode(&hash.finish().as_ref()[..8]))
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Serves `pkg_dir` at `{root(version)}/pkg`, precompressed copies included, each answer marked
/// immutable (errors are not, so a file that appears later is not hidden by a cached 404).
pub fn router<S: Clone + Send + Sync + 'static>(pkg_dir: &Path, version: &str) -> Router<S> {
    let files = ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip();
    Router::new().nest_service(&format!("{}/pkg", root(version)), files).layer(axum::middleware::map_response(
        |mut response: Response| async move {
            if response.status() == StatusCode::OK {
                response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
            }
            response
        },
    ))
}

/// Cache-Control of a file whose address names its content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Cache-Control of a built file under an address that does not name its content: kept, but
/// asked for again before each use.
pub const REVALIDATE: &str = "no-cache";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_follows_names_and_content_not_precompressed_copies() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path();
        assert_eq!(version(&pkg.join("missing")), None);
        assert_eq!(version(pkg), None, "nothing built");
        std::fs::write(pkg.join("signalbox.wasm"), b"module").unwrap();
        std::fs::write(pkg.join("chunk_1.wasm"), b"chunk").unwrap();
        let first = version(pkg).unwrap();
        assert_eq!(first.len(), 16);
        assert_eq!(version(pkg).as_ref(), Some(&first), "the same files, the same version");
        std::fs::write(pkg.join("chunk_1.wasm.br"), b"compressed").unwrap();
        assert_eq!(version(pkg).as_ref(), Some(&first), "precompressed copies do not count");
        std::fs::write(pkg.join("chunk_1.wasm"), b"chunk!").unwrap();
        let changed = version(pkg).unwrap();
        assert_ne!(changed, first, "a chunk's content");
        std::fs::rename(pkg.join("chunk_1.wasm"), pkg.join("chunk_2.wasm")).unwrap();
        assert_ne!(version(pkg).unwrap(), changed, "a chunk's name");
    }
}
