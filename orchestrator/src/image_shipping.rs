//! Moving an image between engines without a registry: the source engine's
//! export streams straight into the destination's import.

use bollard::query_parameters::ImportImageOptions;
use bollard::Docker;
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

/// Chunks buffered between export and import.
const IN_FLIGHT_CHUNKS: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error("the source engine has no image {0}")]
    NotOnSource(String),
    #[error("exporting {tag}: {source}")]
    Export {
        tag: String,
        source: bollard::errors::Error,
    },
    #[error("importing {tag}: {message}")]
    Import { tag: String, message: String },
    #[error("Docker engine: {0}")]
    Engine(#[from] bollard::errors::Error),
}

/// Progress of one shipment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShipProgress {
    pub bytes_done: u64,
    /// The image's size on the source; the export stream is a little larger
    /// (tar headers), so `bytes_done` may pass it near the end.
    pub bytes_total: u64,
}

/// Makes sure `to` has `tag`, shipping it from `from` if it lacks it.
/// Returns whether anything was shipped: an image already there is never
/// sent again.
pub async fn ensure_image_on(
    from: &Docker,
    to: &Docker,
    tag: &str,
    mut progress: impl FnMut(ShipProgress) + Send,
) -> Result<bool, ShipError> {
    if to.inspect_image(tag).await.is_ok() {
        return Ok(false);
    }
    let source = from
        .inspect_image(tag)
        .await
        .map_err(|_| ShipError::NotOnSource(tag.to_owned()))?;
    let bytes_total = u64::try_from(source.size.unwrap_or(0)).unwrap_or(0);
    let (chunks, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(IN_FLIGHT_CHUNKS);
    let exporter = {
        let from = from.clone();
        let tag = tag.to_owned();
        tokio::spawn(async move {
            let mut export = std::pin::pin!(from.export_image(&tag));
            while let Some(chunk) = export.next().await {
                let chunk = chunk.map_err(|error| ShipError::Export {
                    tag: tag.clone(),
                    source: error,
                });
                let failed = chunk.is_err();
                let forwarded = chunk.map_err(|error| std::io::Error::other(error.to_string()));
                if chunks.send(forwarded).await.is_err() || failed {
                    break;
                }
            }
        })
    };
    let mut bytes_done = 0u64;
    let counted = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let (counter, mut counts) = mpsc::unbounded_channel::<u64>();
    let counted = counted.inspect(move |chunk| {
        if let Ok(bytes) = chunk {
            let _ = counter.send(bytes.len() as u64);
        }
    });
    let options = ImportImageOptions {
        quiet: true,
        ..Default::default()
    };
    let mut import = std::pin::pin!(to.import_image_stream(options, counted, None));
    loop {
        tokio::select! {
            Some(n) = counts.recv() => {
                bytes_done += n;
                progress(ShipProgress { bytes_done, bytes_total });
            }
            step = import.next() => match step {
                None => break,
                Some(Ok(info)) => {
                    if let Some(detail) = info.error_detail {
                        return Err(ShipError::Import {
                            tag: tag.to_owned(),
                            message: detail.message.unwrap_or_default(),
                        });
                    }
                }
                Some(Err(error)) => {
                    return Err(ShipError::Import { tag: tag.to_owned(), message: error.to_string() });
                }
            },
        }
    }
    let _ = exporter.await;
    while let Ok(n) = counts.try_recv() {
        bytes_done += n;
        progress(ShipProgress {
            bytes_done,
            bytes_total,
        });
    }
    if to.inspect_image(tag).await.is_err() {
        return Err(ShipError::Import {
            tag: tag.to_owned(),
            message: "the destination does not list the image after the import".to_owned(),
        });
    }
    tracing::info!(%tag, bytes_done, "image shipped");
    Ok(true)
}
