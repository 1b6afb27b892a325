//! The client's address, for the per-address rate limit and login lockout, the audit trail and
//! the log: the TCP peer, unless the peer is a trusted proxy (`server.trusted_proxies`). Then it is
//! the rightmost `X-Forwarded-For` address that is not itself a trusted proxy: each proxy appends
//! the address it received the request from, so everything left of the last untrusted hop was
//! written by the client and proves nothing. From any other peer the header is ignored, and a
//! header that cannot be read falls back to the peer.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header::HeaderMap;
use actix_web::HttpRequest;

use crate::config::IpRange;

/// The address `req` counts as coming from; `None` only when the connection has no peer
/// address (a Unix socket, or a test request).
pub fn client_ip(req: &HttpRequest, trusted: &[IpRange]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip().to_canonical();
    if !is_trusted(peer, trusted) {
        return Some(peer);
    }
    Some(forwarded(req.headers(), trusted).unwrap_or(peer))
}

fn is_trusted(ip: IpAddr, trusted: &[IpRange]) -> bool {
    trusted.iter().any(|range| range.contains(ip))
}

/// The rightmost `X-Forwarded-For` hop that is not a trusted proxy (or, when every hop is one, the
/// leftmost); `None` when there is no header or a hop on the way cannot be read.
fn forwarded(headers: &HeaderMap, trusted: &[IpRange]) -> Option<IpAddr> {
    let mut hops = Vec::new();
    // Several header lines are one list, in order (RFC 9110, 5.3).
    for value in headers.get_all("x-forwarded-for") {
        hops.extend(value.to_str().ok()?.split(','));
    }
    let mut leftmost = None;
    for hop in hops.iter().rev() {
        let hop = hop.trim();
        // Some proxies write `address:port` (`[v6]:port`).
        let ip = hop.parse::<IpAddr>().or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip())).ok()?.to_canonical();
        if !is_trusted(ip, trusted) {
            return Some(ip);
        }
        leftmost = Some(ip);
    }
    leftmost
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ranges(list: &[&str]) -> Vec<IpRange> {
        list.iter().map(|r| IpRange::parse(r).unwrap()).collect()
    }

    fn from(peer: &str, forwarded_for: &[&str], trusted: &[&str]) -> Option<String> {
        let mut req = TestRequest::default().peer_addr(SocketAddr::new(peer.parse().unwrap(), 40000));
        for value in forwarded_for {
            req = req.append_header(("x-forwarded-for", *value));
        }
        client_ip(&req.to_http_request(), &ranges(trusted)).map(|ip| ip.to_string())
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        assert_eq!(from("203.0.113.9", &["198.51.100.1"], &[]).as_deref(), Some("203.0.113.9"));
        assert_eq!(from("203.0.113.9", &["198.51.100.1"], &["127.0.0.1"]).as_deref(), Some("203.0.113.9"));
        assert_eq!(from("127.0.0.1", &["198.51.100.1"], &["127.0.0.1"]).as_deref(), Some("198.51.100.1"));
        assert_eq!(from("127.0.0.1", &[], &["127.0.0.1"]).as_deref(), Some("127.0.0.1"), "no header: the peer");
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let trusted = ["127.0.0.1", "10.0.0.0/8"];
        // The client wrote the first entry; the proxies appended the rest.
        let chain = ["6.6.6.6, 198.51.100.7, 10.1.2.3"];
        assert_eq!(from("127.0.0.1", &chain, &trusted).as_deref(), Some("198.51.100.7"));
        let split = ["6.6.6.6", "198.51.100.7", "10.1.2.3"];
        assert_eq!(from("127.0.0.1", &split, &trusted).as_deref(), Some("198.51.100.7"), "header lines are one list");
        assert_eq!(from("127.0.0.1", &["10.9.9.9, 10.1.2.3"], &trusted).as_deref(), Some("10.9.9.9"), "all proxies");
        assert_eq!(from("127.0.0.1", &["198.51.100.7:5123"], &trusted).as_deref(), Some("198.51.100.7"));
        assert_eq!(from("127.0.0.1", &["[2001:db8::7]:443"], &trusted).as_deref(), Some("2001:db8::7"));
        assert_eq!(from("127.0.0.1", &["::ffff:198.51.100.7"], &trusted).as_deref(), Some("198.51.100.7"));
        assert_eq!(from("::ffff:127.0.0.1", &["198.51.100.7"], &trusted).as_deref(), Some("198.51.100.7"));
    }

    #[test]
    fn an_unreadable_header_falls_back_to_the_peer() {
        let trusted = ["127.0.0.1"];
        for garbage in ["not-an-ip", "", " , ", "198.51.100.7, garbage", "300.1.1.1", "198.51.100.7;proto=https"] {
            assert_eq!(from("127.0.0.1", &[garbage], &trusted).as_deref(), Some("127.0.0.1"), "{garbage:?}");
        }
        // Garbage left of the client's hop is the client's own and changes nothing.
        assert_eq!(from("127.0.0.1", &["garbage, 198.51.100.7"], &trusted).as_deref(), Some("198.51.100.7"));
    }
}
