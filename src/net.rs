//! What the machine itself is on the network: whether an address is one of its own
//! interfaces' (a channel must never reach the service's own host by its public address).

use std::net::{IpAddr, SocketAddr, UdpSocket};

/// Whether `ip` is an address of one of this machine's interfaces: only such an address
/// can be bound to, so binding a socket to it (port 0, nothing sent) tells.
pub fn is_own_address(ip: IpAddr) -> bool {
    UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_own_address;

    #[test]
    fn the_loopback_is_ours_and_a_documentation_address_is_not() {
        assert!(is_own_address(
            "127.0.0.1"
                .parse()
                .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into())
        ));
        assert!(!is_own_address(
            "192.0.2.1"
                .parse()
                .unwrap_or(std::net::Ipv4Addr::LOCALHOST.into())
        ));
    }
}
