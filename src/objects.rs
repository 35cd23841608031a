//! Where the bytes of files (附件) are kept when not in the database: a directory
//! (`file:///var/lib/qinqing/files`) or an S3-compatible bucket (`s3://bucket/prefix`, with
//! the usual `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` and, for MinIO or a
//! Chinese cloud's S3 interface, `AWS_ENDPOINT`), through `object_store`. Objects are named
//! by their content (`attachments/ab/<sha256>`): a file is never changed, the same bytes sent
//! twice are one object, and an object written for a transaction that then failed is found
//! again by the next upload of those bytes rather than left as something to clean.

use std::sync::Arc;

use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

use crate::error::Error;

pub struct Objects {
    store: Arc<dyn ObjectStore>,
    /// The store as configured, for the log (no secret is in it: those come from `AWS_*`).
    pub url: String,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Objects").field("url", &self.url).finish()
    }
}

impl Objects {
    /// The store a `--file-store` URL names: `file://` an existing directory (created when
    /// missing), `s3://` a bucket, `memory://` one held in this process (for tests).
    pub fn open(url: &str) -> Result<Objects, String> {
        Objects::open_with(url, &[])
    }

    /// The same, a bucket's settings given beside those of the environment (`AWS_*`), as
    /// `("aws_endpoint", "http://127.0.0.1:9000")`.
    pub fn open_with(url: &str, s3: &[(&str, &str)]) -> Result<Objects, String> {
        let said =
            |e: &dyn std::fmt::Display| format!("--file-store (QINQING_FILE_STORE) {url}: {e}");
        let store: Arc<dyn ObjectStore> = if let Some(dir) = url.strip_prefix("file://") {
            std::fs::create_dir_all(dir).map_err(|e| said(&e))?;
            Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(|e| said(&e))?,
            )
        } else if let Some(rest) = url.strip_prefix("s3://") {
            // A request waits for the bucket a little, not the library's three minutes: a
            // download or an upload held that long is a failure to say (503).
            let retry = object_store::RetryConfig {
                max_retries: 3,
                retry_timeout: std::time::Duration::from_secs(15),
                ..Default::default()
            };
            let mut builder = object_store::aws::AmazonS3Builder::from_env()
                .with_url(url)
                .with_retry(retry);
            for (key, value) in s3 {
                let key: object_store::aws::AmazonS3ConfigKey =
                    key.parse().map_err(|e| said(&e))?;
                builder = builder.with_config(key, *value);
            }
            let bucket = builder.build().map_err(|e| said(&e))?;
            // The path after the bucket is where this service's objects go within it.
            match rest.split_once('/').map(|(_, p)| p.trim_matches('/')) {
                Some(prefix) if !prefix.is_empty() => {
                    Arc::new(object_store::prefix::PrefixStore::new(bucket, prefix))
                }
                _ => Arc::new(bucket),
            }
        } else if url == "memory://" {
            Arc::new(object_store::memory::InMemory::new())
        } else {
            return Err(said(
                &"expected file:///a/directory, s3://bucket/prefix or memory://",
            ));
        };
        Ok(Objects {
            store,
            url: url.to_owned(),
        })
    }

    /// Keeps a file's bytes; answers the object's name.
    pub async fn put(&self, sha256: &str, bytes: Vec<u8>) -> Result<String, Error> {
        let key = format!("attachments/{}/{sha256}", &sha256[..2.min(sha256.len())]);
        self.store
            .put(&Path::from(key.as_str()), PutPayload::from(bytes))
            .await
            .map_err(|e| unreachable_store(&e))?;
        Ok(key)
    }

    /// A file's bytes, by the object's name.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, Error> {
        let got = self
            .store
            .get(&Path::from(key))
            .await
            .map_err(|e| unreachable_store(&e))?;
        let bytes = got.bytes().await.map_err(|e| unreachable_store(&e))?;
        Ok(bytes.to_vec())
    }
}

fn unreachable_store(e: &object_store::Error) -> Error {
    log::error!("file store: {e}");
    Error::Unavailable("the file store cannot be reached; try again later".into())
}

#[cfg(test)]
mod tests {
    use super::Objects;

    #[test]
    fn a_file_store_is_a_directory_or_a_bucket() {
        let dir = std::env::temp_dir().join(format!("qinqing-objects-{}", std::process::id()));
        let cases = [
            (format!("file://{}", dir.display()), true),
            ("s3://qinqing-files/huzhou".to_owned(), true),
            ("memory://".to_owned(), true),
            ("ftp://example/files".to_owned(), false),
            ("/var/lib/qinqing".to_owned(), false),
        ];
        for (url, ok) in cases {
            assert_eq!(Objects::open(&url).is_ok(), ok, "{url}");
        }
        assert!(dir.is_dir(), "the directory is made when missing");
        let _ = std::fs::remove_dir(&dir);
    }
}
