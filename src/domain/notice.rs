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
        Merged => "merged", "合并办理";
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

/// Blocks of the IANA IPv4 Special-Purpose Address Registry, with whether the registry
/// marks each globally reachable; more specific blocks first. Multicast (224.0.0.0/4) is
/// not unicast at all, and is never reached either.
const V4_SPECIAL: &[([u8; 4], u8, bool)] = &[
    ([192, 0, 0, 9], 32, true),     // Port Control Protocol anycast
    ([192, 0, 0, 10], 32, true),    // TURN anycast
    ([0, 0, 0, 0], 8, false),       // "this network"
    ([10, 0, 0, 0], 8, false),      // private use
    ([100, 64, 0, 0], 10, false),   // shared address space (CGNAT)
    ([127, 0, 0, 0], 8, false),     // loopback
    ([169, 254, 0, 0], 16, false),  // link-local
    ([172, 16, 0, 0], 12, false),   // private use
    ([192, 0, 0, 0], 24, false),    // IETF protocol assignments
    ([192, 0, 2, 0], 24, false),    // documentation (TEST-NET-1)
    ([192, 88, 99, 0], 24, false),  // 6to4 relay anycast (deprecated)
    ([192, 168, 0, 0], 16, false),  // private use
    ([198, 18, 0, 0], 15, false),   // benchmarking
    ([198, 51, 100, 0], 24, false), // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24, false),  // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4, false),     // multicast
    ([240, 0, 0, 0], 4, false),     // reserved, and the limited broadcast address
];

/// Blocks of the IANA IPv6 Special-Purpose Address Registry (and the deprecated site-local
/// block), with whether each is globally reachable; more specific blocks first. Blocks that
/// carry an IPv4 address are judged by it (`embedded_v4`) before this table.
const V6_SPECIAL: &[(u128, u8, bool)] = &[
    (0x2001_0001_0000_0000_0000_0000_0000_0001, 128, true), // PCP anycast
    (0x2001_0001_0000_0000_0000_0000_0000_0002, 128, true), // TURN anycast
    (0x2001_0001_0000_0000_0000_0000_0000_0003, 128, true), // DNS-SD SRP anycast
    (0x2001_0003_0000_0000_0000_0000_0000_0000, 32, true),  // AMT
    (0x2001_0004_0112_0000_0000_0000_0000_0000, 48, true),  // AS112-v6
    (0x2001_0020_0000_0000_0000_0000_0000_0000, 28, true),  // ORCHIDv2
    (0x2001_0030_0000_0000_0000_0000_0000_0000, 28, true),  // drone remote ID
    (0x0000_0000_0000_0000_0000_0000_0000_0000, 128, false), // unspecified
    (0x0000_0000_0000_0000_0000_0000_0000_0001, 128, false), // loopback
    (0x0064_ff9b_0001_0000_0000_0000_0000_0000, 48, false), // local-use IPv4/IPv6 translation
    (0x0100_0000_0000_0000_0000_0000_0000_0000, 64, false), // discard-only
    (0x0100_0000_0000_0001_0000_0000_0000_0000, 64, false), // dummy prefix
    (0x2001_0000_0000_0000_0000_0000_0000_0000, 23, false), // IETF protocol assignments (Teredo …)
    (0x2001_0db8_0000_0000_0000_0000_0000_0000, 32, false), // documentation
    (0x3fff_0000_0000_0000_0000_0000_0000_0000, 20, false), // documentation
    (0x5f00_0000_0000_0000_0000_0000_0000_0000, 16, false), // segment routing SIDs
    (0xfc00_0000_0000_0000_0000_0000_0000_0000, 7, false),  // unique-local
    (0xfe80_0000_0000_0000_0000_0000_0000_0000, 10, false), // link-local
    (0xfec0_0000_0000_0000_0000_0000_0000_0000, 10, false), // site-local (deprecated)
    (0xff00_0000_0000_0000_0000_0000_0000_0000, 8, false),  // multicast
];

/// The IPv4 address an IPv6 address carries and is delivered to: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`, deprecated), IPv4-translated
/// (`::ffff:0:a.b.c.d`), the NAT64 well-known prefix (`64:ff9b::a.b.c.d`) and 6to4
/// (`2002:aabb:ccdd::`).
fn embedded_v4(v6: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let bits = u128::from(v6);
    let low = std::net::Ipv4Addr::from((bits & 0xffff_ffff) as u32);
    let high96 = bits >> 32;
    if high96 == 0x0000_0000_0000_0000_0000_ffff // mapped
        || (high96 == 0 && bits > 1) // compatible (:: and ::1 are in the table)
        || high96 == 0x0000_0000_0000_0000_ffff_0000 // translated
        || high96 == 0x0064_ff9b_0000_0000_0000_0000
    // NAT64 well-known prefix
    {
        return Some(low);
    }
    if bits >> 112 == 0x2002 {
        return Some(std::net::Ipv4Addr::from(
            ((bits >> 80) & 0xffff_ffff) as u32,
        ));
    }
    None
}

/// True for an address no channel may reach unless allowed: every address the IANA
/// special-purpose registries do not mark globally reachable (loopback, private, shared,
/// link-local, documentation, benchmarking, reserved, IETF assignments, unique-local,
/// site-local, multicast …), and an IPv6 address carrying an IPv4 one that is.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let a = u32::from(v4);
            V4_SPECIAL
                .iter()
                .find(|(net, bits, _)| {
                    let mask = u32::MAX.checked_shl(32 - u32::from(*bits)).unwrap_or(0);
                    a & mask == u32::from_be_bytes(*net) & mask
                })
                .is_some_and(|(_, _, global)| !global)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_internal(IpAddr::V4(v4));
            }
            let a = u128::from(v6);
            V6_SPECIAL
                .iter()
                .find(|(net, bits, _)| {
                    let mask = u128::MAX.checked_shl(128 - u32::from(*bits)).unwrap_or(0);
                    a & mask == net & mask
                })
                .is_some_and(|(_, _, global)| !global)
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

/// Whether a channel may reach `ip`, reached under the name `host`: any public address
/// that is not the service's own host (`own`: an address of one of its interfaces); an
/// internal or own one only when the allow-list names the host or a network holding it.
pub fn reachable(host: &str, ip: IpAddr, own: bool, allow: &[Allow]) -> bool {
    !(is_internal(ip) || own) || allow.iter().any(|a| a.admits(host, ip))
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

/// A notice's text as it leaves the service by any channel: plain text that carries no
/// link. People write the issue titles, reasons and comments a notice quotes; a scheme's
/// `://` and a `www.` are broken with a full-width character (read the same by a person,
/// never linked by a client), control characters become spaces. The only link a notice
/// carries is the service's own, which the channel adds beside the text.
pub fn plain_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace("://", "\u{FF1A}//")
        .replace("www.", "www\u{FF0E}")
        .replace("WWW.", "WWW\u{FF0E}")
}

/// A notice's text for a Markdown robot (DingTalk, WeCom): `plain_text`, and every
/// character Markdown or a mention reads (links, images, headings, emphasis, code, quotes,
/// tables, HTML, `@all`) written as its full-width form, which reads the same to a Chinese
/// reader and means nothing to the robot. The text is one line (`plain_text`), so no list,
/// heading or quote can start inside it.
pub fn markdown_text(text: &str) -> String {
    plain_text(text)
        .chars()
        .map(|c| match c {
            '[' => '［',
            ']' => '］',
            '(' => '（',
            ')' => '）',
            '!' => '！',
            '#' => '＃',
            '*' => '＊',
            '_' => '＿',
            '`' => '｀',
            '>' => '＞',
            '<' => '＜',
            '|' => '｜',
            '~' => '～',
            '@' => '＠',
            '\\' => '＼',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_notices_text_carries_no_link_and_no_markdown() {
        for (text, plain, markdown) in [
            (
                "厂房用地指标未落实",
                "厂房用地指标未落实",
                "厂房用地指标未落实",
            ),
            (
                "标题[紧急：点此处理](http://evil.example/t)",
                "标题[紧急：点此处理](http\u{FF1A}//evil.example/t)",
                "标题［紧急：点此处理］（http\u{FF1A}//evil.example/t）",
            ),
            (
                "![img](https://x.example/a.png)",
                "![img](https\u{FF1A}//x.example/a.png)",
                "！［img］（https\u{FF1A}//x.example/a.png）",
            ),
            (
                "#### 标题\n> 引用",
                "#### 标题 > 引用",
                "＃＃＃＃ 标题 ＞ 引用",
            ),
            (
                "@all 请看 www.evil.example",
                "@all 请看 www\u{FF0E}evil.example",
                "＠all 请看 www\u{FF0E}evil.example",
            ),
            (
                "<a href=x>点</a>",
                "<a href=x>点</a>",
                "＜a href=x＞点＜/a＞",
            ),
            (
                "`code` *强调* _斜体_ ~删除~ |表|",
                "`code` *强调* _斜体_ ~删除~ |表|",
                "｀code｀ ＊强调＊ ＿斜体＿ ～删除～ ｜表｜",
            ),
            ("列表\r\n- 项", "列表  - 项", "列表  - 项"),
            (
                "ftp://a javascript:x",
                "ftp\u{FF1A}//a javascript:x",
                "ftp\u{FF1A}//a javascript:x",
            ),
        ] {
            assert_eq!(plain_text(text), plain, "{text:?}");
            assert_eq!(markdown_text(text), markdown, "{text:?}");
            for out in [plain_text(text), markdown_text(text)] {
                assert!(!out.contains("://") && !out.contains("www."), "{out}");
            }
            let md = markdown_text(text);
            assert!(
                !md.contains("](") && !md.contains('[') && !md.contains('@'),
                "{md}"
            );
        }
    }
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
            ("2001:db8::1", true),
            // Every form that carries a loopback or private IPv4 address.
            ("::7f00:1", true),
            ("::ffff:0:7f00:1", true),
            ("64:ff9b::7f00:1", true),
            ("64:ff9b::a00:1", true),
            ("2002:7f00:1::1", true),
            ("2002:c0a8:101::1", true),
            ("::ffff:8.8.8.8", false),
            ("64:ff9b::808:808", false),
            ("2002:808:808::1", false),
            ("fec0::1", true),
            ("64:ff9b:1::1", true),
            ("100::1", true),
            ("2001::1", true),
            ("3fff::1", true),
            ("ff02::1", true),
            ("2400:3200::1", false),
            ("2001:4860:4860::8888", false),
            ("2001:1::1", false),
            // IPv4 special purposes.
            ("192.0.0.1", true),
            ("192.0.0.9", false),
            ("198.18.0.1", true),
            ("198.19.255.255", true),
            ("198.20.0.1", false),
            ("240.0.0.1", true),
            ("255.255.255.255", true),
            ("224.0.0.1", true),
            ("239.255.255.250", true),
            ("192.0.2.1", true),
            ("198.51.100.1", true),
            ("203.0.113.1", true),
            ("192.88.99.1", true),
            ("100.127.255.255", true),
            ("100.128.0.1", false),
            ("223.5.5.5", false),
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
                reachable(host, ip.parse().unwrap(), false, &allow),
                want,
                "{host} {ip}"
            );
        }
        // The service's own host, by any address: only when allowed.
        assert!(!reachable(
            "me.example",
            "8.8.4.4".parse().unwrap(),
            true,
            &[]
        ));
        assert!(reachable(
            "hooks.local",
            "8.8.4.4".parse().unwrap(),
            true,
            &allow
        ));
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
