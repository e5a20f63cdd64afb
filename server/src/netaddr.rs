//! What an IP address is: loopback, private, link-local, a cloud metadata service, public. The
//! outbound policy (`crate::egress`) and the client address (`crate::auth::client_ip`) both decide
//! from it, so an address is classified the same way wherever it matters.
//!
//! IPv6 addresses that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
//! NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are classified by the IPv4 address inside, so
//! `::ffff:169.254.169.254` is the metadata service, not a public IPv6 address. Teredo hides its
//! IPv4 address (XORed), so it is refused as reserved. Decimal, hex and octal IPv4 spellings
//! (`2130706433`, `0x7f.1`, `0177.0.0.1`) are normalised by URL parsing before they get here.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The kind of an address, as far as reaching it from this server goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    /// Routable on the internet.
    Public,
    /// This machine (`127.0.0.0/8`, `::1`).
    Loopback,
    /// A private network (RFC 1918, shared address space `100.64.0.0/10`, unique local `fc00::/7`,
    /// benchmarking `198.18.0.0/15`, site-local `fec0::/10`).
    Private,
    /// Link-local (`169.254.0.0/16`, `fe80::/10`): nothing a webhook lives on.
    LinkLocal,
    /// A cloud instance metadata service, which hands out credentials to whoever asks.
    Metadata,
    /// Unspecified, "this network", multicast, broadcast, documentation, reserved or Teredo.
    Reserved,
}

/// Known instance metadata endpoints (OCI and AWS `169.254.169.254`, AWS ECS `169.254.170.2`,
/// Alibaba `100.100.100.200`, Azure's wire server `168.63.129.16`, AWS IPv6 `fd00:ec2::254`).
const METADATA_V4: [Ipv4Addr; 4] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(100, 100, 100, 200),
    Ipv4Addr::new(168, 63, 129, 16),
];
const METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);

/// The IPv4 address an IPv6 address carries, if it is one of the forms that carry one.
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        // ::ffff:a.b.c.d (mapped)
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low),
        // ::a.b.c.d (compatible, deprecated); :: and ::1 are themselves
        [0, 0, 0, 0, 0, 0, _, _] if !matches!(u32::from(low), 0 | 1) => Some(low),
        // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        // 2002:AABB:CCDD::/48 (6to4)
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)),
        _ => None,
    }
}

/// Classifies an address (an IPv6 address carrying an IPv4 one by the IPv4 address).
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    use AddressClass::*;
    let [a, b, c, _] = ip.octets();
    if METADATA_V4.contains(&ip) {
        Metadata
    } else if ip.is_loopback() {
        Loopback
    } else if ip.is_link_local() {
        LinkLocal
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) || (a == 198 && (b == 18 || b == 19)) {
        Private
    } else if a == 0
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a >= 240
        || (a == 192 && b == 0 && c == 0)
    {
        Reserved
    } else {
        Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    use AddressClass::*;
    let first = ip.segments()[0];
    if ip == METADATA_V6 {
        Metadata
    } else if ip.is_loopback() {
        Loopback
    } else if first & 0xffc0 == 0xfe80 {
        LinkLocal
    } else if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfec0 {
        Private
    } else if ip.is_unspecified()
        || ip.is_multicast()
        // 2001::/32 Teredo (hides an IPv4 address), 2001:db8::/32 documentation
        || (first == 0x2001 && matches!(ip.segments()[1], 0 | 0x0db8))
        // 100::/64 discard, 64:ff9b:1::/48 local NAT64
        || (first == 0x0100 && ip.segments()[1..4] == [0, 0, 0])
        || (first == 0x0064 && ip.segments()[1] == 0xff9b && ip.segments()[2] == 1)
    {
        Reserved
    } else {
        Public
    }
}

/// An address range from the command line: `10.0.0.0/8`, `fd00::/8`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr(pub IpNet);

impl Cidr {
    /// Whether the range holds `ip` (an IPv6 address carrying an IPv4 one is also looked up as
    /// that IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip)
            || match ip {
                IpAddr::V6(v6) => embedded_v4(v6).is_some_and(|v4| self.0.contains(&IpAddr::V4(v4))),
                IpAddr::V4(_) => false,
            }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(net) = IpNet::from_str(s) {
            return Ok(Cidr(net.trunc()));
        }
        IpAddr::from_str(s)
            .map(|ip| Cidr(IpNet::from(ip)))
            .map_err(|_| format!("\"{s}\" is not an address range such as 10.0.0.0/8, fd00::/8 or 192.168.1.5"))
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::AddressClass::*;
    use super::*;

    fn class(text: &str) -> AddressClass {
        classify(text.parse().expect("an address"))
    }

    #[test]
    fn every_spelling_of_the_metadata_service_is_metadata() {
        for text in [
            "169.254.169.254",
            "::ffff:169.254.169.254",
            "::ffff:a9fe:a9fe",
            "::169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "fd00:ec2::254",
            "100.100.100.200",
        ] {
            assert_eq!(class(text), Metadata, "{text}");
        }
    }

    #[test]
    fn addresses_fall_in_their_class() {
        let cases = [
            ("127.0.0.1", Loopback),
            ("127.1.2.3", Loopback),
            ("::1", Loopback),
            ("::ffff:127.0.0.1", Loopback),
            ("10.1.2.3", Private),
            ("172.31.0.1", Private),
            ("192.168.0.1", Private),
            ("100.64.0.1", Private),
            ("198.18.0.1", Private),
            ("fd12::1", Private),
            ("fec0::1", Private),
            ("::ffff:10.0.0.1", Private),
            ("169.254.1.1", LinkLocal),
            ("fe80::1", LinkLocal),
            ("0.0.0.0", Reserved),
            ("0.1.2.3", Reserved),
            ("::", Reserved),
            ("224.0.0.1", Reserved),
            ("255.255.255.255", Reserved),
            ("240.0.0.1", Reserved),
            ("192.0.2.1", Reserved),
            ("2001:db8::1", Reserved),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Reserved),
            ("ff02::1", Reserved),
            ("8.8.8.8", Public),
            ("151.101.1.69", Public),
            ("2606:4700::1111", Public),
            ("172.32.0.1", Public),
            ("100.128.0.1", Public),
        ];
        for (text, expected) in cases {
            assert_eq!(class(text), expected, "{text}");
        }
    }

    #[test]
    fn ranges_parse_from_cidrs_and_single_addresses() {
        let net: Cidr = "10.0.0.0/8".parse().expect("a range");
        assert!(net.contains("10.200.0.1".parse().expect("ip")));
        assert!(net.contains("::ffff:10.200.0.1".parse().expect("ip")), "mapped forms are inside too");
        assert!(!net.contains("11.0.0.1".parse().expect("ip")));
        let one: Cidr = "192.168.1.5".parse().expect("one address");
        assert!(one.contains("192.168.1.5".parse().expect("ip")));
        assert!(!one.contains("192.168.1.6".parse().expect("ip")));
        assert_eq!("10.1.2.3/8".parse::<Cidr>().expect("truncated").to_string(), "10.0.0.0/8");
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("example.com".parse::<Cidr>().is_err());
    }
}
