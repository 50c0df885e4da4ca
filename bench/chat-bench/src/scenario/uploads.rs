//! Uploads: how fast chat-server takes files (`POST /v1/uploads`, streamed to a
//! temporary file, then to the attachment storage) and photos (metadata removed,
//! decoded, two thumbnails made), what each costs in server CPU, and how much memory
//! the server needs while a large one arrives. One user uploads `--count` of them,
//! `--concurrency` at a time.

use std::io::Cursor;
use std::time::Instant;

use anyhow::Context as _;
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde::Serialize;

use crate::cli::{UploadArgs, UploadKind};
use crate::process;
use crate::report::ProcessReport;
use crate::stats::{Latency, LatencySummary};
use crate::target::Target;

/// The uploading user.
const UPLOADER: usize = 0;

#[derive(Debug, Serialize)]
pub struct UploadReport {
    pub scenario: &'static str,
    pub label: String,
    pub target: crate::cli::TargetKind,
    pub kind: UploadKind,
    /// Bytes of each upload as sent.
    pub bytes_each: u64,
    /// A photo's pixels (width × height), for `image`.
    pub pixels: Option<(u32, u32)>,
    pub count: u32,
    pub concurrency: u32,
    pub elapsed_s: f64,
    /// Uploaded bytes per second, in MB (10^6 bytes).
    pub mb_per_s: f64,
    /// Uploads answered per second (photos: each with its two thumbnails).
    pub uploads_per_s: f64,
    pub latency: LatencySummary,
    pub server: Option<ProcessReport>,
    pub server_cpu_ms_per_upload: Option<f64>,
    /// The server's resident memory before the first upload, and its peak (VmHWM) after
    /// the last: what taking them needed at most.
    pub server_rss_before_mib: Option<f64>,
    pub server_peak_rss_mib: Option<f64>,
}

pub async fn run(args: UploadArgs) -> anyhow::Result<UploadReport> {
    let common = &args.common;
    let target = Target::new(common)?;
    let chat = target.chat()?;
    let (bytes, mime, pixels) = match args.kind {
        UploadKind::File => (noise(args.size), "application/octet-stream", None),
        UploadKind::Image => {
            let (width, height) = (args.image_side, args.image_side * 3 / 4);
            (photo(width, height)?, "image/jpeg", Some((width, height)))
        }
    };
    // The first upload provisions the user; it is not measured.
    chat.upload(UPLOADER, bytes.clone(), mime).await?;
    let latency = Latency::default();
    let before = process::sample(common.server_pid);
    let started = Instant::now();
    let stored: Vec<u64> = futures_util::stream::iter(0..args.count)
        .map(|_| {
            let (bytes, latency) = (bytes.clone(), &latency);
            async move {
                let began = Instant::now();
                let answer = chat.upload(UPLOADER, bytes, mime).await?;
                latency.record_ns(u64::try_from(began.elapsed().as_nanos()).unwrap_or(u64::MAX));
                anyhow::Ok(answer.size)
            }
        })
        .buffer_unordered(args.concurrency as usize)
        .try_collect()
        .await?;
    let elapsed_s = started.elapsed().as_secs_f64();
    let after = process::sample(common.server_pid);
    anyhow::ensure!(stored.len() == args.count as usize, "uploads went missing");
    let sent_bytes = bytes.len() as f64 * f64::from(args.count);
    let server_rss_before_mib = before.as_ref().map(|s| s.rss_kib as f64 / 1024.0);
    let server_peak_rss_mib = after.as_ref().map(|s| s.peak_rss_kib as f64 / 1024.0);
    let server = ProcessReport::between(before, after);
    let server_cpu_ms_per_upload = server
        .as_ref()
        .map(|s| s.cpu_s * 1e3 / f64::from(args.count));
    Ok(UploadReport {
        scenario: "uploads",
        label: common.label.clone(),
        target: common.target,
        kind: args.kind,
        bytes_each: bytes.len() as u64,
        pixels,
        count: args.count,
        concurrency: args.concurrency,
        elapsed_s,
        mb_per_s: sent_bytes / 1e6 / elapsed_s,
        uploads_per_s: f64::from(args.count) / elapsed_s,
        latency: latency.summary(),
        server,
        server_cpu_ms_per_upload,
        server_rss_before_mib,
        server_peak_rss_mib,
    })
}

/// `size` bytes that do not compress (as photos and archives do not).
fn noise(size: u64) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// A JPEG of `width` × `height` with a gradient and grain, about the size a phone's
/// photo of that many pixels has.
fn photo(width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    let grain = noise(u64::from(width) * u64::from(height));
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let n = grain[(y * width + x) as usize] / 4;
        let shade = |at: u32, of: u32| u8::try_from(at * 190 / of).unwrap_or(190);
        image::Rgb([shade(x, width) + n, shade(y, height) + n, 120 + n])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut Cursor::new(&mut bytes), 85)
        .encode_image(&image)
        .context("encoding the test photo")?;
    Ok(bytes)
}

impl UploadReport {
    pub fn summary(&self) -> String {
        let what = match self.pixels {
            Some((w, h)) => format!(
                "photos of {w} × {h} ({:.1} MB each)",
                self.bytes_each as f64 / 1e6
            ),
            None => format!("files of {:.1} MB", self.bytes_each as f64 / 1e6),
        };
        format!(
            "{}: {} {what}, {} at a time, in {:.1} s\n\
             {:.1} MB/s, {:.2} uploads/s; latency {}\n\
             server CPU per upload: {}; server memory {} before, {} at its peak\n",
            self.label,
            self.count,
            self.concurrency,
            self.elapsed_s,
            self.mb_per_s,
            self.uploads_per_s,
            crate::report::ms(&self.latency),
            self.server_cpu_ms_per_upload
                .map_or_else(|| "n/a".to_owned(), |ms| format!("{ms:.0} ms")),
            self.server_rss_before_mib
                .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.0} MiB")),
            self.server_peak_rss_mib
                .map_or_else(|| "n/a".to_owned(), |m| format!("{m:.0} MiB")),
        )
    }
}
