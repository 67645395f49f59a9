//! Guarded outbound fetches of documents a client registered: its `jwks_uri` (Mobile Connect
//! SI Table 2, OIDC Core 10.1.1) and its `sector_identifier_uri` (OIDC Core 8.1, Mobile
//! Connect SI Table 2). Every URL a client controls is an SSRF vector, so one module decides
//! what may be fetched:
//!
//! - `https` only; plain `http` only to loopback, and loopback only when
//!   [`FetchPolicy::allow_loopback`] is set (development and tests);
//! - the host is resolved once, every address must be public (no private, link-local,
//!   unspecified, multicast, shared or reserved ranges), and the connection is pinned to those
//!   addresses, so a second DNS answer cannot point it elsewhere;
//! - redirects are never followed; the answer is bounded in size and in time.
//!
//! [`Fetcher::vet`] checks a URL without fetching it (e.g. a `jwks_uri` at registration);
//! [`Fetcher::vet_literal`] checks it without resolving it either (a notification URI).

use serde::de::DeserializeOwned;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// What a fetch may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Allow loopback targets (also over plain `http`): for development and tests only.
    pub allow_loopback: bool,
    /// Largest accepted body.
    pub max_bytes: usize,
    /// Time limit of the whole fetch: resolution, connection, answer and body.
    pub timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> FetchPolicy {
        FetchPolicy {
            allow_loopback: false,
            max_bytes: 64 * 1024,
            timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0} is not an absolute URL")]
    BadUrl(String),
    #[error("{0}: only https is fetched (plain http only to loopback, where allowed)")]
    Scheme(String),
    #[error("{url}: address {addr} is not allowed (private, loopback or reserved)")]
    ForbiddenAddress { url: String, addr: IpAddr },
    #[error("{0}: the host does not resolve")]
    Resolve(String),
    #[error("{url}: {detail}")]
    Transport { url: String, detail: String },
    #[error("{url}: redirect (HTTP {status}) not followed")]
    Redirect { url: String, status: u16 },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the document is larger than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("{url}: no complete answer within {limit:?}")]
    Timeout { url: String, limit: Duration },
    #[error("{url}: not the expected JSON document: {detail}")]
    NotJson { url: String, detail: String },
}

/// How an address may be used as a fetch target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Public,
    Loopback,
    /// Private, link-local, unspecified, multicast, broadcast, shared, reserved, documentation.
    Forbidden,
}

/// Classifies `ip` (IANA special-purpose registries, RFC 6890); IPv4-mapped and NAT64
/// IPv6 addresses are judged by the IPv4 address they carry.
pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        return AddressClass::Loopback;
    }
    let forbidden = ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space, RFC 6598
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking, RFC 2544
        || a >= 240; // reserved
    if forbidden {
        AddressClass::Forbidden
    } else {
        AddressClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let s = ip.segments();
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return classify_v4(Ipv4Addr::new(a, b, c, d)); // NAT64, RFC 6052
    }
    if ip.is_loopback() {
        return AddressClass::Loopback;
    }
    let forbidden = ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local, RFC 4193
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[..6] == [0, 0, 0, 0, 0, 0]; // IPv4-compatible (deprecated)
    if forbidden {
        AddressClass::Forbidden
    } else {
        AddressClass::Public
    }
}

/// A URL found fit to fetch, with the addresses its host resolved to.
#[derive(Debug, Clone)]
pub struct Vetted {
    pub url: url::Url,
    pub addrs: Vec<SocketAddr>,
}

/// Fetches client-registered documents under a [`FetchPolicy`].
#[derive(Debug, Clone, Default)]
pub struct Fetcher {
    policy: FetchPolicy,
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Fetcher {
        Fetcher { policy }
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// Whether `raw` may be fetched: scheme, then every address its host resolves to.
    pub async fn vet(&self, raw: &str) -> Result<Vetted, FetchError> {
        let url = self.scheme_checked(raw)?;
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::BadUrl(raw.to_string()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| FetchError::BadUrl(raw.to_string()))?;
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| FetchError::Resolve(raw.to_string()))?
            .collect();
        if addrs.is_empty() {
            return Err(FetchError::Resolve(raw.to_string()));
        }
        for addr in &addrs {
            if !self.admits(classify(addr.ip()), url.scheme()) {
                return Err(FetchError::ForbiddenAddress {
                    url: raw.to_string(),
                    addr: addr.ip(),
                });
            }
        }
        Ok(Vetted { url, addrs })
    }

    /// Whether `raw` is a target the policy admits, judged without resolving its host: the
    /// scheme as in [`Fetcher::vet`], and, when the host is an IP address literal or
    /// `localhost`, that address. For URLs registered now and called later (notification
    /// URIs, Mobile Connect SI Table 2 `notification_uris`, CIBA Core 4
    /// `backchannel_client_notification_endpoint`): the host may not resolve yet at
    /// registration, but a literal private, link-local or (unless allowed) loopback address
    /// is refused at once.
    pub fn vet_literal(&self, raw: &str) -> Result<url::Url, FetchError> {
        let url = self.scheme_checked(raw)?;
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
                IpAddr::V4(Ipv4Addr::LOCALHOST)
            }
            // A name: plain http only ever reaches loopback.
            Some(url::Host::Domain(_)) if url.scheme() == "https" => return Ok(url),
            Some(url::Host::Domain(_)) => return Err(FetchError::Scheme(raw.to_string())),
            None => return Err(FetchError::BadUrl(raw.to_string())),
        };
        if !self.admits(classify(ip), url.scheme()) {
            return Err(FetchError::ForbiddenAddress {
                url: raw.to_string(),
                addr: ip,
            });
        }
        Ok(url)
    }

    /// `raw` parsed, with a scheme the policy allows and no credentials in it.
    fn scheme_checked(&self, raw: &str) -> Result<url::Url, FetchError> {
        let url = url::Url::parse(raw).map_err(|_| FetchError::BadUrl(raw.to_string()))?;
        let scheme_ok = match url.scheme() {
            "https" => true,
            "http" => self.policy.allow_loopback,
            _ => false,
        };
        if !scheme_ok || !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Scheme(raw.to_string()));
        }
        Ok(url)
    }

    /// Whether an address of `class` may be reached over `scheme`.
    fn admits(&self, class: AddressClass, scheme: &str) -> bool {
        match class {
            AddressClass::Public => scheme == "https",
            AddressClass::Loopback => self.policy.allow_loopback,
            AddressClass::Forbidden => false,
        }
    }

    /// GETs `raw` and returns its body, within the policy's limits.
    pub async fn get(&self, raw: &str) -> Result<Vec<u8>, FetchError> {
        let limit = self.policy.timeout;
        tokio::time::timeout(limit, self.get_unbounded(raw))
            .await
            .unwrap_or_else(|_| {
                Err(FetchError::Timeout {
                    url: raw.to_string(),
                    limit,
                })
            })
    }

    /// GETs `raw` and parses its body as JSON of type `T`.
    pub async fn get_json<T: DeserializeOwned>(&self, raw: &str) -> Result<T, FetchError> {
        let body = self.get(raw).await?;
        serde_json::from_slice(&body).map_err(|e| FetchError::NotJson {
            url: raw.to_string(),
            detail: e.to_string(),
        })
    }

    async fn get_unbounded(&self, raw: &str) -> Result<Vec<u8>, FetchError> {
        let vetted = self.vet(raw).await?;
        let transport = |e: reqwest::Error| match e.is_timeout() {
            true => FetchError::Timeout {
                url: raw.to_string(),
                limit: self.policy.timeout,
            },
            false => FetchError::Transport {
                url: raw.to_string(),
                detail: e.without_url().to_string(),
            },
        };
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.policy.timeout)
            .no_proxy();
        if let Some(domain) = vetted.url.domain() {
            // Connect only to the addresses vetted above.
            builder = builder.resolve_to_addrs(domain, &vetted.addrs);
        }
        let client = builder.build().map_err(transport)?;
        let mut response = client
            .get(vetted.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            return Err(FetchError::Redirect {
                url: raw.to_string(),
                status,
            });
        }
        if !(200..300).contains(&status) {
            return Err(FetchError::Status {
                url: raw.to_string(),
                status,
            });
        }
        let limit = self.policy.max_bytes;
        let too_large = || FetchError::TooLarge {
            url: raw.to_string(),
            limit,
        };
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(ip: &str) -> AddressClass {
        classify(ip.parse().unwrap())
    }

    #[test]
    fn only_public_addresses_are_public() {
        for public in ["8.8.8.8", "193.0.14.129", "2a00:1450:4001:80b::200e"] {
            assert_eq!(class(public), AddressClass::Public, "{public}");
        }
        for lo in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(class(lo), AddressClass::Loopback, "{lo}");
        }
        for bad in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "100.64.0.1",
            "198.18.0.1",
            "240.0.0.1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert_eq!(class(bad), AddressClass::Forbidden, "{bad}");
        }
    }

    #[tokio::test]
    async fn scheme_and_literal_addresses_are_vetted_before_connecting() {
        let strict = Fetcher::default();
        let vet = |url: &'static str| {
            let f = strict.clone();
            async move { f.vet(url).await }
        };
        assert!(matches!(
            vet("http://93.184.216.34/x").await,
            Err(FetchError::Scheme(_))
        ));
        assert!(matches!(
            vet("ftp://93.184.216.34/x").await,
            Err(FetchError::Scheme(_))
        ));
        assert!(matches!(
            vet("https://user:pw@93.184.216.34/x").await,
            Err(FetchError::Scheme(_))
        ));
        for forbidden in [
            "https://10.0.0.1/jwks",
            "https://169.254.169.254/latest",
            "https://[fe80::1]/x",
            "https://127.0.0.1/x",
            "https://[::1]:8443/x",
        ] {
            assert!(
                matches!(
                    vet(forbidden).await,
                    Err(FetchError::ForbiddenAddress { .. })
                ),
                "{forbidden}"
            );
        }
        assert!(vet("https://93.184.216.34/x").await.is_ok());
        let dev = Fetcher::new(FetchPolicy {
            allow_loopback: true,
            ..FetchPolicy::default()
        });
        assert!(dev.vet("http://127.0.0.1:9/x").await.is_ok());
        assert!(matches!(
            dev.vet("http://93.184.216.34/x").await,
            Err(FetchError::ForbiddenAddress { .. })
        ));
        assert!(matches!(
            dev.vet("https://10.0.0.1/x").await,
            Err(FetchError::ForbiddenAddress { .. })
        ));
    }

    #[test]
    fn literal_vetting_judges_addresses_without_resolving_names() {
        let strict = Fetcher::default();
        let dev = Fetcher::new(FetchPolicy {
            allow_loopback: true,
            ..FetchPolicy::default()
        });
        for fetcher in [&strict, &dev] {
            assert!(fetcher.vet_literal("https://sp.example/notify").is_ok());
            assert!(fetcher.vet_literal("https://93.184.216.34/n").is_ok());
            for forbidden in [
                "https://10.0.0.1/n",
                "https://192.168.1.1/n",
                "https://169.254.169.254/n",
                "https://[fe80::1]/n",
                "https://[::ffff:10.0.0.1]/n",
            ] {
                assert!(
                    matches!(
                        fetcher.vet_literal(forbidden),
                        Err(FetchError::ForbiddenAddress { .. })
                    ),
                    "{forbidden}"
                );
            }
            assert!(matches!(
                fetcher.vet_literal("ftp://sp.example/n"),
                Err(FetchError::Scheme(_))
            ));
        }
        // Loopback (literal or localhost) only where allowed, then also over plain http.
        for lo in [
            "http://127.0.0.1:9/n",
            "https://[::1]/n",
            "http://localhost:9/n",
        ] {
            assert!(strict.vet_literal(lo).is_err(), "{lo}");
            assert!(dev.vet_literal(lo).is_ok(), "{lo}");
        }
        // Plain http never reaches a name or a public address.
        assert!(matches!(
            dev.vet_literal("http://sp.example/n"),
            Err(FetchError::Scheme(_))
        ));
        assert!(matches!(
            dev.vet_literal("http://93.184.216.34/n"),
            Err(FetchError::ForbiddenAddress { .. })
        ));
    }
}
