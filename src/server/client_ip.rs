//! Who the client is, for limits: the peer address, or behind trusted proxies the right-most
//! `X-Forwarded-For` hop that is not one of them. Anything left of that hop was written by
//! the client itself and is never believed. IPv6 clients are keyed by their /64, the block a
//! single host usually controls.

use std::net::{IpAddr, Ipv6Addr};

/// Which proxies in front of the server are trusted to append to `X-Forwarded-For`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum TrustedProxies {
    /// No proxy: the peer address is the client (the default; the header is ignored).
    #[default]
    None,
    /// This many proxies in front (e.g. 1 for one load balancer): the peer and the right-most
    /// `hops - 1` header entries are proxies.
    Hops(usize),
    /// Proxies by address: every peer or header entry inside one of these networks is skipped.
    Networks(Vec<(IpAddr, u8)>),
}

impl TrustedProxies {
    /// Parses `site.trusted_proxies`: empty or `none`, a hop count like `1`, or a
    /// comma-separated list of CIDRs like `10.0.0.0/8, 2001:db8::/32, 192.0.2.7`.
    pub fn parse(raw: &str) -> Result<TrustedProxies, String> {
        let raw = raw.trim();
        if raw.is_empty() || raw == "none" {
            return Ok(TrustedProxies::None);
        }
        if let Ok(n) = raw.parse::<usize>() {
            return Ok(if n == 0 { TrustedProxies::None } else { TrustedProxies::Hops(n) });
        }
        let mut nets = vec![];
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (item, None),
            };
            let ip: IpAddr = addr.parse().map_err(|_| format!("{item:?} is not an IP address or CIDR"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("{item:?} has a bad prefix length"))?,
            };
            nets.push((ip, bits));
        }
        Ok(TrustedProxies::Networks(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        match self {
            TrustedProxies::Networks(nets) => nets.iter().any(|(net, bits)| in_network(ip, *net, *bits)),
            _ => false,
        }
    }
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (canonical(ip), canonical(net)) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - u32::from(bits.min(32))) };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits.min(128))) };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// IPv4-mapped IPv6 addresses as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The client's address given the peer and the request's `X-Forwarded-For` values.
pub fn client_ip<'a>(peer: IpAddr, forwarded_for: impl Iterator<Item = &'a str>, trusted: &TrustedProxies) -> IpAddr {
    if *trusted == TrustedProxies::None {
        return canonical(peer);
    }
    // The chain as the last proxy saw it: header entries left to right, then the peer.
    let mut chain: Vec<Option<IpAddr>> =
        forwarded_for.flat_map(|v| v.split(',')).map(|s| s.trim().parse::<IpAddr>().ok().map(canonical)).collect();
    chain.push(Some(canonical(peer)));
    let mut client = canonical(peer);
    for (hops_from_right, entry) in chain.iter().rev().enumerate() {
        // An entry that is not an address cannot be a hop we trust: stop at the last good one.
        let Some(ip) = *entry else { break };
        client = ip;
        let trusted_hop = match trusted {
            TrustedProxies::Hops(n) => hops_from_right < *n,
            other => other.trusts(ip),
        };
        if !trusted_hop {
            break;
        }
    }
    client
}

/// The client of a request: its peer address (`ConnectInfo`, which the server and the Lambda
/// adapter put in the extensions), or behind trusted proxies what they appended.
pub fn of_request(headers: &http::HeaderMap, extensions: &http::Extensions, trusted: &TrustedProxies) -> IpAddr {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
    client_ip(peer, forwarded, trusted)
}

/// The key limits are counted under: IPv4 as is, IPv6 by its /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let got = client_ip(ip("203.0.113.9"), ["1.2.3.4"].into_iter(), &TrustedProxies::None);
        assert_eq!(got, ip("203.0.113.9"));
    }

    #[test]
    fn with_one_hop_the_entry_the_proxy_appended_is_the_client() {
        let one = TrustedProxies::parse("1").unwrap();
        // The client sent a forged "1.1.1.1"; the load balancer appended the real address.
        let got = client_ip(ip("10.0.0.5"), ["1.1.1.1, 198.51.100.7"].into_iter(), &one);
        assert_eq!(got, ip("198.51.100.7"));
        // Several header lines count as one list.
        let got = client_ip(ip("10.0.0.5"), ["1.1.1.1", "198.51.100.7"].into_iter(), &one);
        assert_eq!(got, ip("198.51.100.7"));
        // No header at all: the peer is all there is.
        assert_eq!(client_ip(ip("10.0.0.5"), std::iter::empty(), &one), ip("10.0.0.5"));
        let two = TrustedProxies::parse("2").unwrap();
        let got = client_ip(ip("10.0.0.5"), ["6.6.6.6, 198.51.100.7, 10.0.0.9"].into_iter(), &two);
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn with_networks_the_rightmost_untrusted_hop_is_the_client() {
        let nets = TrustedProxies::parse("10.0.0.0/8, 2001:db8::/32").unwrap();
        let got = client_ip(ip("10.1.2.3"), ["9.9.9.9, 198.51.100.7, 10.9.9.9"].into_iter(), &nets);
        assert_eq!(got, ip("198.51.100.7"));
        let got = client_ip(ip("2001:db8::1"), ["2001:db8::2, 2a00:1450::5"].into_iter(), &nets);
        assert_eq!(got, ip("2a00:1450::5"));
        // A peer outside the trusted networks is the client, whatever it claims.
        let got = client_ip(ip("198.51.100.8"), ["1.1.1.1"].into_iter(), &nets);
        assert_eq!(got, ip("198.51.100.8"));
        // Garbage in the header stops the walk at the last real hop.
        let got = client_ip(ip("10.1.2.3"), ["not-an-ip"].into_iter(), &nets);
        assert_eq!(got, ip("10.1.2.3"));
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example.com").is_err());
        assert_eq!(TrustedProxies::parse("").unwrap(), TrustedProxies::None);
        assert_eq!(TrustedProxies::parse("0").unwrap(), TrustedProxies::None);
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), limit_key(ip("2001:db8:1:2:bbbb::9")));
        assert_ne!(limit_key(ip("2001:db8:1:2::1")), limit_key(ip("2001:db8:1:3::1")));
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(limit_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
