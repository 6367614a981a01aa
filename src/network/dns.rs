//! The little DNS of user networks: parsing a query and building answers (RFC 1035, only what
//! a stub resolver sends: one question, A/AAAA/other types, class IN).
use std::net::Ipv4Addr;

pub const TYPE_A: u16 = 1;
pub const RCODE_SERVFAIL: u8 = 2;
pub const RCODE_NXDOMAIN: u8 = 3;

/// One question of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub id: u16,
    /// Lower case, without the trailing dot.
    pub name: String,
    pub qtype: u16,
    /// Where the question ends in the packet.
    end: usize,
    recursion_desired: bool,
}

/// Parse a standard query with one question; `None` for anything else.
pub fn parse_query(p: &[u8]) -> Option<Query> {
    if p.len() < 12 {
        return None;
    }
    let flags = u16::from_be_bytes([p[2], p[3]]);
    let qd = u16::from_be_bytes([p[4], p[5]]);
    // A response, or not a standard query.
    if flags & 0x8000 != 0 || (flags >> 11) & 0xf != 0 || qd != 1 {
        return None;
    }
    let mut i = 12;
    let mut labels: Vec<String> = Vec::new();
    loop {
        let len = *p.get(i)? as usize;
        i += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            return None;
        }
        let l = p.get(i..i + len)?;
        labels.push(String::from_utf8_lossy(l).to_ascii_lowercase());
        i += len;
    }
    let qtype = u16::from_be_bytes([*p.get(i)?, *p.get(i + 1)?]);
    p.get(i + 3)?;
    Some(Query {
        id: u16::from_be_bytes([p[0], p[1]]),
        name: labels.join("."),
        qtype,
        end: i + 4,
        recursion_desired: flags & 0x0100 != 0,
    })
}

/// The answer to `q` (taken from `packet`): `ips` as A records, or an empty answer with
/// `rcode`.
pub fn answer(packet: &[u8], q: &Query, ips: &[Ipv4Addr], rcode: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(q.end + ips.len() * 16);
    out.extend_from_slice(&q.id.to_be_bytes());
    // QR, AA, RA, and RD as asked.
    let flags: u16 = 0x8400 | 0x0080 | if q.recursion_desired { 0x0100 } else { 0 } | rcode as u16;
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&(ips.len() as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&packet[12..q.end]);
    for ip in ips {
        // A pointer to the question's name, type A, class IN, TTL 0 (names come and go).
        out.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4]);
        out.extend_from_slice(&ip.octets());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str, qtype: u16) -> Vec<u8> {
        let mut p = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        for l in name.split('.') {
            p.push(l.len() as u8);
            p.extend_from_slice(l.as_bytes());
        }
        p.push(0);
        p.extend_from_slice(&qtype.to_be_bytes());
        p.extend_from_slice(&1u16.to_be_bytes());
        p
    }

    #[test]
    fn parses_and_answers() {
        let p = query("Web.dns.skiff", TYPE_A);
        let q = parse_query(&p).unwrap();
        assert_eq!(q.id, 0x1234);
        assert_eq!(q.name, "web.dns.skiff");
        assert_eq!(q.qtype, TYPE_A);
        let a = answer(&p, &q, &[Ipv4Addr::new(10, 89, 0, 2)], 0);
        assert_eq!(&a[..2], &[0x12, 0x34]);
        assert_eq!(a[3] & 0xf, 0);
        assert_eq!(u16::from_be_bytes([a[6], a[7]]), 1);
        assert_eq!(&a[a.len() - 4..], &[10, 89, 0, 2]);
        let nx = answer(&p, &q, &[], RCODE_NXDOMAIN);
        assert_eq!(nx[3] & 0xf, 3);
        assert_eq!(nx.len(), p.len());
        assert!(parse_query(&p[..10]).is_none());
        assert!(parse_query(&nx).is_none(), "a response is not a query");
    }
}
