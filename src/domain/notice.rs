//! Notices (提醒) and their outside delivery: the kinds, the channels, the retry schedule,
//! which addresses a channel may reach, and the DingTalk robot's signature. No I/O.

use std::net::IpAddr;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

coded! {
    /// What a notice is about.
    Kind {
        Assigned => "assigned", "新交办";
        Urged => "urged", "催办";
        Supervised => "supervised", "督办";
        DueSoon => "due_soon", "即将到期";
        Overdue => "overdue", "超期";
        SignOverdue => "sign_overdue", "超时未签收";
        Returned => "returned", "退回";
        ExtensionRequested => "extension_requested", "延期申请";
        Dissatisfied => "dissatisfied", "不满意";
        FollowUpDue => "follow_up_due", "待回访";
        Answered => "answered", "待评价";
        ForumUpcoming => "forum_upcoming", "恳谈会预告";
        Digest => "digest", "每周简报";
        SignInFailures => "sign_in_failures", "登录异常";
    }
}

coded! {
    /// How a channel delivers.
    ChannelKind {
        Webhook => "webhook", "Webhook";
        Dingtalk => "dingtalk", "钉钉机器人";
        Wecom => "wecom", "企业微信机器人";
        Email => "email", "电子邮件";
    }
}

coded! {
    DeliveryStatus {
        Pending => "pending", "待发送";
        Delivered => "delivered", "已送达";
        Failed => "failed", "发送失败";
    }
}

/// Seconds to wait before attempt `attempt + 1`, after `attempt` failed ones: exponential
/// from 5 s, capped at an hour, with up to a quarter added as jitter (`jitter` in 0..1) so
/// that many failed deliveries do not all come back in the same second.
pub fn backoff_seconds(attempt: i32, jitter: f64) -> i64 {
    let exp = attempt.clamp(1, 20) - 1;
    let base = (5i64 << exp).min(3_600);
    base + (base as f64 * 0.25 * jitter.clamp(0.0, 1.0)) as i64
}

/// True for an address no channel may reach unless allowed: loopback, private networks,
/// link-local, unspecified, shared (CGNAT), multicast and broadcast, and their IPv6 kin
/// (unique-local, link-local, IPv4-mapped of the above).
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// One entry of the allow-list (`--channel-allow`): a host name, an address, or a network
/// in CIDR form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allow {
    Host(String),
    Net(IpAddr, u8),
}

impl Allow {
    pub fn parse(s: &str) -> Result<Allow, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty entry".into());
        }
        if let Some((addr, bits)) = s.split_once('/') {
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("`{s}`: `{addr}` is not an address"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits: u8 = bits
                .parse()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0 to {max}"))?;
            return Ok(Allow::Net(ip, bits));
        }
        match s.parse::<IpAddr>() {
            Ok(ip) => Ok(Allow::Net(ip, if ip.is_ipv4() { 32 } else { 128 })),
            Err(_) => Ok(Allow::Host(s.to_ascii_lowercase())),
        }
    }

    pub fn parse_list(s: &str) -> Result<Vec<Allow>, String> {
        s.split(',')
            .filter(|p| !p.trim().is_empty())
            .map(Allow::parse)
            .collect()
    }

    /// Whether the address lies in this network (a host name holds none).
    pub fn holds(&self, ip: IpAddr) -> bool {
        match self {
            Allow::Host(_) => false,
            Allow::Net(net, bits) => in_network(ip, *net, *bits),
        }
    }

    fn admits(&self, host: &str, ip: IpAddr) -> bool {
        match self {
            Allow::Host(h) => h.eq_ignore_ascii_case(host.trim_matches(['[', ']'])),
            Allow::Net(net, bits) => in_network(ip, *net, *bits),
        }
    }
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Whether a channel may reach `ip`, reached under the name `host`: any public address;
/// an internal one only when the allow-list names the host or a network holding it.
pub fn reachable(host: &str, ip: IpAddr, allow: &[Allow]) -> bool {
    !is_internal(ip) || allow.iter().any(|a| a.admits(host, ip))
}

/// `sha256=<hex>`: the webhook's `X-Qinqing-Signature` of a body under a channel's secret.
pub fn webhook_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac(secret);
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The DingTalk custom robot's signature ("加签"): Base64 of HMAC-SHA256, keyed by the
/// secret, of `timestamp + "\n" + secret`, the timestamp in milliseconds.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = hmac(secret);
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn hmac(secret: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length; this cannot fail.
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_caps() {
        let cases = [
            (1, 0.0, 5),
            (2, 0.0, 10),
            (3, 0.0, 20),
            (4, 1.0, 50),
            (10, 0.0, 2_560),
            (11, 0.0, 3_600),
            (40, 1.0, 4_500),
            (0, 0.0, 5),
        ];
        for (attempt, jitter, want) in cases {
            assert_eq!(backoff_seconds(attempt, jitter), want, "attempt {attempt}");
        }
    }

    #[test]
    fn internal_addresses() {
        let cases = [
            ("127.0.0.1", true),
            ("10.1.2.3", true),
            ("172.16.0.1", true),
            ("172.32.0.1", false),
            ("192.168.1.1", true),
            ("169.254.169.254", true),
            ("100.64.0.1", true),
            ("0.0.0.0", true),
            ("8.8.8.8", false),
            ("203.119.0.1", false),
            ("::1", true),
            ("fd00::1", true),
            ("fe80::1", true),
            ("::ffff:127.0.0.1", true),
            ("2001:db8::1", false),
        ];
        for (ip, want) in cases {
            assert_eq!(is_internal(ip.parse().unwrap()), want, "{ip}");
        }
    }

    #[test]
    fn allow_list() {
        let allow = Allow::parse_list("127.0.0.1, 10.0.0.0/8,hooks.local").unwrap();
        let cases = [
            ("a", "127.0.0.1", true),
            ("a", "127.0.0.2", false),
            ("a", "10.200.1.1", true),
            ("hooks.local", "192.168.9.9", true),
            ("HOOKS.local", "192.168.9.9", true),
            ("other.local", "192.168.9.9", false),
            ("public.example", "8.8.4.4", true),
        ];
        for (host, ip, want) in cases {
            assert_eq!(
                reachable(host, ip.parse().unwrap(), &allow),
                want,
                "{host} {ip}"
            );
        }
        assert!(Allow::parse("10.0.0.0/33").is_err());
        assert!(Allow::parse("x/8").is_err());
        assert_eq!(Allow::parse_list(" ,").unwrap(), vec![]);
        assert_eq!(
            Allow::parse("::1").unwrap(),
            Allow::Net("::1".parse().unwrap(), 128)
        );
    }

    #[test]
    fn signatures() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            webhook_signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // The same construction DingTalk documents: HMAC-SHA256("ts\nsecret"), Base64.
        let sign = dingtalk_sign("SEC000", 1_700_000_000_000);
        let mut mac = Hmac::<Sha256>::new_from_slice(b"SEC000").unwrap();
        mac.update(b"1700000000000\nSEC000");
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&sign)
                .unwrap(),
            mac.finalize().into_bytes().to_vec()
        );
    }
}
