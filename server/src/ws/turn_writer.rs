//! The upgraded connection's writes, gathered for one `write` per turn and then let go.
//!
//! tungstenite writes each frame through to this at once (its own write buffer is
//! off); frames gather here until the connection loop flushes at the end of its turn,
//! and leave in one `write`. Then the buffer is freed. tungstenite's own buffer kept the
//! capacity of the largest burst a connection was ever sent, since it has no call to
//! shrink it: a KiB or two in every idle connection that had once received several
//! frames in one turn (docs/benchmarks.md, "Setting up idle clients").

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Gathered bytes past which a write goes out before the flush: a long turn (a
/// history page, a busy room) is written in pieces of about this size rather than
/// held whole.
const WRITE_AT_BYTES: usize = 64 * 1024;

/// `io` with its writes gathered until a flush.
#[derive(Debug)]
pub(super) struct TurnWriter<T> {
    io: T,
    /// What was written and not yet handed to `io`.
    gathered: Vec<u8>,
    /// How much of `gathered` `io` has taken.
    sent: usize,
}

impl<T> TurnWriter<T> {
    pub(super) fn new(io: T) -> Self {
        Self {
            io,
            gathered: Vec::new(),
            sent: 0,
        }
    }
}

impl<T: AsyncWrite + Unpin> TurnWriter<T> {
    /// Hands `io` everything gathered, then frees the buffer.
    fn poll_send_gathered(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.gathered.len() {
            let written =
                ready!(Pin::new(&mut self.io).poll_write(cx, &self.gathered[self.sent..]))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += written;
        }
        // Freed rather than cleared: an idle connection keeps nothing of its last burst.
        self.gathered = Vec::new();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TurnWriter<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TurnWriter<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.gathered.len() >= WRITE_AT_BYTES {
            ready!(this.poll_send_gathered(cx))?;
        }
        this.gathered.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_gathered(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_gathered(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// Writes reach the peer only at the flush, all of them in order, and the buffer is
    /// empty and freed afterwards.
    #[tokio::test]
    async fn writes_gather_until_the_flush_and_the_buffer_is_freed() {
        let (near, mut far) = tokio::io::duplex(1 << 20);
        let mut writer = TurnWriter::new(near);
        writer.write_all(b"first ").await.expect("write");
        writer.write_all(b"second").await.expect("write");
        let mut peek = [0u8; 1];
        let nothing_yet =
            tokio::time::timeout(std::time::Duration::from_millis(50), far.read(&mut peek)).await;
        assert!(nothing_yet.is_err(), "nothing leaves before the flush");
        writer.flush().await.expect("flush");
        assert_eq!(writer.gathered.capacity(), 0, "the buffer is let go");
        let mut got = vec![0u8; 12];
        far.read_exact(&mut got).await.expect("read");
        assert_eq!(&got, b"first second");
    }

    /// A turn larger than [`WRITE_AT_BYTES`] goes out in pieces as it is written, so
    /// the buffer never holds much more than that; a peer that does not read holds the
    /// writer back rather than letting the buffer grow.
    #[tokio::test]
    async fn a_long_turn_goes_out_in_pieces_and_waits_for_a_slow_peer() {
        let (near, mut far) = tokio::io::duplex(16 * 1024);
        let mut writer = TurnWriter::new(near);
        let chunk = vec![7u8; 1024];
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            far.read_to_end(&mut all).await.expect("read");
            all
        });
        for _ in 0..(3 * WRITE_AT_BYTES / 1024) {
            writer.write_all(&chunk).await.expect("write");
            assert!(writer.gathered.len() <= WRITE_AT_BYTES + chunk.len());
        }
        writer.shutdown().await.expect("shutdown");
        let all = reader.await.expect("reader");
        assert_eq!(all.len(), 3 * WRITE_AT_BYTES);
        assert!(all.iter().all(|&b| b == 7));
    }
}
