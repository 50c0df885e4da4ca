//! The address of the client behind a request: the TCP peer's, unless the peer is one of
//! the operator's reverse proxies (`--trusted-proxies`), which name the client in
//! `X-Forwarded-For`. Per-address limits (sign-in attempts) count clients, not the load
//! balancer in front of every one of them.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The header reverse proxies append the address they received a request from to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// Parses one `--trusted-proxies` entry: a network (`10.0.0.0/8`) or one address.
///
/// # Errors
///
/// When the text is neither.
pub fn parse_trusted_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is not an address or a network such as 10.0.0.0/8"))
}

/// The client's address. With the peer a trusted proxy, `X-Forwarded-For` is read from
/// its end: each proxy appends the address it received the request from, so the first
/// entry from the right that is not a trusted proxy is the client, and entries to the
/// left of it, which the client wrote itself, are never believed. A list that is
/// malformed there, or holds only trusted proxies, leaves the nearest address known.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let mut nearest = peer.ip().to_canonical();
    if !is_trusted(nearest, trusted) {
        return nearest;
    }
    let hops = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        let Some(address) = parse_hop(hop) else {
            return nearest;
        };
        nearest = address;
        if !is_trusted(address, trusted) {
            return address;
        }
    }
    nearest
}

fn is_trusted(address: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&address))
}

/// One entry of the list: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`), as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(|address| address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(text: &str) -> SocketAddr {
        SocketAddr::new(text.parse().unwrap(), 40_000)
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, value.parse().unwrap());
        }
        headers
    }

    fn nets(texts: &[&str]) -> Vec<IpNet> {
        texts
            .iter()
            .map(|t| parse_trusted_proxy(t).unwrap())
            .collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_ip(peer("198.51.100.7"), &headers, &nets(&["10.0.0.0/8"])),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(peer("10.0.0.2"), &headers, &[]),
            ip("10.0.0.2"),
            "no proxy is trusted unless configured"
        );
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "127.0.0.1"]);
        // The client forged the first entry; the edge proxy appended the real address,
        // an inner proxy its own.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9", "10.0.0.5"]);
        assert_eq!(
            client_ip(peer("127.0.0.1"), &headers, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn ports_brackets_spaces_and_mapped_addresses_are_read() {
        let trusted = nets(&["::1"]);
        assert_eq!(
            client_ip(peer("::1"), &forwarded(&[" 203.0.113.9:5678 "]), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(peer("::1"), &forwarded(&["[2001:db8::7]:443"]), &trusted),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_ip(
                peer("::ffff:127.0.0.1"),
                &forwarded(&["::ffff:203.0.113.9"]),
                &nets(&["127.0.0.1"])
            ),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_missing_malformed_or_all_trusted_list_leaves_the_nearest_known_address() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(peer("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_ip(
                peer("10.0.0.1"),
                &forwarded(&["203.0.113.9, junk, 10.0.0.3"]),
                &trusted
            ),
            ip("10.0.0.3"),
            "nothing left of a malformed entry is believed"
        );
        assert_eq!(
            client_ip(
                peer("10.0.0.1"),
                &forwarded(&["10.0.0.2, 10.0.0.3"]),
                &trusted
            ),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn trusted_proxies_parse_as_networks_or_addresses() {
        assert_eq!(
            parse_trusted_proxy("10.0.0.0/8").unwrap(),
            "10.0.0.0/8".parse::<IpNet>().unwrap()
        );
        assert_eq!(
            parse_trusted_proxy(" 127.0.0.1 ").unwrap(),
            "127.0.0.1/32".parse::<IpNet>().unwrap()
        );
        assert!(parse_trusted_proxy("10.0.0.0/33").is_err());
        assert!(parse_trusted_proxy("proxy.local").is_err());
    }
}
