//! A Web Push endpoint is a URL a user gave: without a guard, anyone could make the
//! server POST to its own network (a metadata service, an admin port). Endpoints must be
//! `https` and reach public addresses only, checked when a subscription is registered
//! (IP literals) and again when the name is resolved for each request, so a name that
//! later points inside the network is refused too. `--push-allow-private-endpoints`
//! lifts the guard, for tests and closed networks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why `url` may not be a Web Push endpoint, if it may not.
pub fn refusal(url: &url::Url, allow_private: bool) -> Option<&'static str> {
    if allow_private {
        return match url.scheme() {
            "https" | "http" => None,
            _ => Some("a webpush endpoint is an http(s) URL"),
        };
    }
    if url.scheme() != "https" {
        return Some("a webpush endpoint is an https URL");
    }
    let private_literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => true,
    };
    private_literal.then_some("a webpush endpoint must be on a public address")
}

/// Whether `ip` is reachable on the public internet: not loopback, private, link-local,
/// shared (carrier NAT), multicast, documentation or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(ip),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let [first, second, ..] = ip.segments();
    // Forms that carry an IPv4 address (IPv4-compatible `::a.b.c.d`, NAT64, 6to4) are
    // refused whole rather than decoded: a push service has a plain address.
    let embeds_v4 = ip.segments()[..6].iter().all(|&s| s == 0)
        || (first == 0x64 && second == 0xff9b)
        || first == 0x2002;
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || embeds_v4
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || (first == 0x2001 && second == 0x0db8))
}

/// A resolver that keeps only public addresses, and fails when none is left.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| is_public(addr.ip()))
                .collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> bool {
        refusal(&url::Url::parse(url).unwrap(), false).is_some()
    }

    #[test]
    fn private_and_plain_endpoints_are_refused_unless_allowed() {
        for url in [
            "http://push.example.com/x",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:192.168.0.1]/x",
            "https://localhost:8443/x",
            "https://100.64.0.1/x",
            "https://[::10.0.0.1]/x",
            "https://[64:ff9b::a00:1]/x",
            "https://[2002:a00:1::1]/x",
            "https://[fec0::1]/x",
        ] {
            assert!(refused(url), "{url} is accepted");
        }
        assert!(!refused("https://fcm.googleapis.com/fcm/send/abc"));
        assert!(!refused("https://93.184.215.14/x"));
        assert!(!refused("https://[2a00:1450:4001:80b::200a]/x"));
        let loopback = url::Url::parse("http://127.0.0.1:9/x").unwrap();
        assert!(refusal(&loopback, true).is_none());
        let ftp = url::Url::parse("ftp://127.0.0.1/x").unwrap();
        assert!(refusal(&ftp, true).is_some());
    }

    #[tokio::test]
    async fn the_resolver_leaves_out_private_addresses() {
        let name: Name = "localhost".parse().unwrap();
        let refused = PublicOnly.resolve(name).await;
        assert!(refused.is_err(), "localhost resolved to a public address");
    }
}
