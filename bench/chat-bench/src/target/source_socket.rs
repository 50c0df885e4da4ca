//! The generator's client sockets, each bound to one of the loopback source addresses
//! (`--source-ips`) before it connects, so that tens of thousands of connections are not
//! limited to one address's ephemeral ports.
//!
//! A socket bound to port 0 normally takes its ephemeral port at `bind`, and the kernel
//! must then find a port that no socket on that address holds, whatever its destination.
//! After a scenario that closed tens of thousands of connections, their ports wait in
//! TIME_WAIT for a minute and that search gets long; it runs inside the `bind` call, on
//! the generator's runtime thread, which stalls for seconds. The reconnect storm that
//! follows the idle scenario took 13 s at p99 that way (docs/benchmarks.md, "Reconnect
//! storm"), the generator itself stalled, not the server. With `IP_BIND_ADDRESS_NO_PORT`
//! the port is chosen at `connect`, where only the whole four-tuple must be unique, so a
//! port still in TIME_WAIT towards another server's port can be taken again at once.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpSocket;

/// A TCP socket bound to `source`, its port left for `connect` to choose.
pub fn bound_to(source: Ipv4Addr) -> io::Result<TcpSocket> {
    let socket = TcpSocket::new_v4()?;
    #[cfg(target_os = "linux")]
    nix::sys::socket::setsockopt(
        &socket,
        nix::sys::socket::sockopt::IpBindAddressNoPort,
        &true,
    )
    .map_err(io::Error::from)?;
    socket.bind(SocketAddr::new(source.into(), 0))?;
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_port_is_chosen_at_connect_not_at_bind() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let source = Ipv4Addr::new(127, 0, 0, 2);
        let socket = bound_to(source).unwrap();
        let bound = socket.local_addr().unwrap();
        assert_eq!(bound.ip(), source);
        if cfg!(target_os = "linux") {
            assert_eq!(bound.port(), 0, "no port may be taken before connect");
        }
        let stream = socket
            .connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let connected = stream.local_addr().unwrap();
        assert_eq!(connected.ip(), source);
        assert_ne!(connected.port(), 0);
        let (accepted, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, connected);
        drop(accepted);
    }
}
