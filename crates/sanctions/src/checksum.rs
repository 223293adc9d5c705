//! Digital-currency address checksums.
//!
//! An address carries its own checksum: Base58Check (Bitcoin's `1…`/`3…`,
//! Litecoin, Dogecoin, Dash, Zcash's transparent `t1…`, Tron's `T…`) ends
//! in four bytes of a double SHA-256 of the rest, and Bech32/Bech32m
//! (`bc1…`, `ltc1…`, `tb1…`) in six characters of a BCH code. A query
//! address that fails its checksum was mistyped or mangled on its way in,
//! and will never match a listed one: the screen says so instead of
//! answering "not listed". Identifiers are still compared exactly, never
//! "corrected". Ethereum-style `0x` addresses get a format check only
//! (their mixed-case EIP-55 checksum needs Keccak, which this crate does not
//! carry); other chains are not checked.

use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    Valid,
    Invalid(&'static str),
    /// No checksum this crate knows for the address's form.
    Unknown,
}

/// Chains (OFAC's tickers) whose plain addresses are Base58Check.
const BASE58CHECK_CHAINS: &[&str] = &[
    "XBT", "BTC", "LTC", "BCH", "BSV", "BTG", "DASH", "ZEC", "DOGE", "TRX", "USDT",
];

/// Checks `address` on `chain` (OFAC's ticker: `XBT`, `ETH`, `TRX` …). The
/// chain decides, as a Solana address is Base58 without a checksum and
/// could look like a Bitcoin one.
pub fn check(chain: &str, address: &str) -> Check {
    let a = address.trim();
    let chain = chain.trim().to_ascii_uppercase();
    let lower = a.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        return if hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Check::Valid
        } else {
            Check::Invalid("an 0x address is 40 hexadecimal digits")
        };
    }
    if is_bech32(&chain, a) {
        return bech32(a);
    }
    if BASE58CHECK_CHAINS.contains(&chain.as_str())
        && !a.starts_with('q')
        && (25..=36).contains(&a.len())
    {
        // (Bitcoin Cash's `q…` CashAddr form has a checksum of its own.)
        return base58check(a);
    }
    Check::Unknown
}

/// A Bech32 address of a chain that uses them (`TB1…` on Tron is Base58).
pub fn is_bech32(chain: &str, address: &str) -> bool {
    let lower = address.to_ascii_lowercase();
    matches!(
        chain.to_ascii_uppercase().as_str(),
        "XBT" | "BTC" | "LTC" | ""
    ) && ["bc1", "ltc1", "tb1"].iter().any(|p| lower.starts_with(p))
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn base58check(a: &str) -> Check {
    // Big-number base conversion, little-endian bytes.
    let mut bytes: Vec<u8> = vec![];
    for c in a.bytes() {
        let Some(mut carry) = BASE58.iter().position(|&b| b == c).map(|v| v as u32) else {
            return Check::Invalid("a character outside Base58");
        };
        for b in bytes.iter_mut() {
            carry += *b as u32 * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    // Each leading '1' is a leading zero byte.
    bytes.extend(std::iter::repeat_n(
        0,
        a.bytes().take_while(|&c| c == b'1').count(),
    ));
    bytes.reverse();
    if bytes.len() < 5 {
        return Check::Invalid("too short for Base58Check");
    }
    let (payload, sum) = bytes.split_at(bytes.len() - 4);
    let digest = Sha256::digest(Sha256::digest(payload));
    if digest[..4] == *sum {
        Check::Valid
    } else {
        Check::Invalid("Base58Check checksum fails")
    }
}

fn bech32(a: &str) -> Check {
    if a.bytes().any(|b| b.is_ascii_lowercase()) && a.bytes().any(|b| b.is_ascii_uppercase()) {
        return Check::Invalid("Bech32 is in one case");
    }
    let a = a.to_ascii_lowercase();
    let Some(sep) = a.rfind('1') else {
        return Check::Invalid("no Bech32 separator");
    };
    let (hrp, data) = (&a[..sep], &a[sep + 1..]);
    const CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    let mut values = vec![];
    for c in data.bytes() {
        match CHARSET.iter().position(|&x| x == c) {
            Some(v) => values.push(v as u32),
            None => return Check::Invalid("a character outside Bech32"),
        }
    }
    if values.len() < 6 {
        return Check::Invalid("too short for Bech32");
    }
    let mut expanded: Vec<u32> = hrp.bytes().map(|b| (b >> 5) as u32).collect();
    expanded.push(0);
    expanded.extend(hrp.bytes().map(|b| (b & 31) as u32));
    expanded.extend(values);
    let mut chk: u32 = 1;
    for v in expanded {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ v;
        for (i, g) in [
            0x3b6a_57b2u32,
            0x2650_8e6d,
            0x1ea1_19fa,
            0x3d42_33dd,
            0x2a14_62b3,
        ]
        .iter()
        .enumerate()
        {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    // Bech32 (segwit v0) or Bech32m (v1+, taproot).
    if chk == 1 || chk == 0x2bc8_30a3 {
        Check::Valid
    } else {
        Check::Invalid("Bech32 checksum fails")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_addresses_pass_and_one_changed_character_fails() {
        for good in [
            // The genesis block's address; a P2SH; BIP-173 and BIP-350 vectors.
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "0x52908400098527886E0F7030069857D2E4169EE7",
        ] {
            assert_eq!(check("XBT", good), Check::Valid, "{good}");
        }
        for bad in [
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
            "bc1qw508d6qejxtdg4y5r3zarvary0C5xw7kv8f3t4",
            "0x52908400098527886E0F7030069857D2E4169EE",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0",
        ] {
            assert!(matches!(check("XBT", bad), Check::Invalid(_)), "{bad}");
        }
        assert_eq!(
            check(
                "XMR",
                "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
            ),
            Check::Unknown
        );
        assert_eq!(
            check("SOL", "TRX1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            Check::Unknown,
            "not judged as another chain"
        );
    }

    #[test]
    fn every_checkable_listed_address_passes() {
        let path = crate::list::shared_data().join("sanctions/crypto/all_addresses.json");
        let text = std::fs::read_to_string(path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let (mut valid, mut invalid) = (0, vec![]);
        for a in v["addresses"].as_array().unwrap() {
            let addr = a["address"].as_str().unwrap();
            let chain = a["ofac_tickers"][0].as_str().unwrap_or("");
            match check(chain, addr) {
                Check::Valid => valid += 1,
                Check::Invalid(why) => invalid.push((addr.to_string(), why)),
                Check::Unknown => {}
            }
        }
        assert!(valid > 800, "{valid}");
        println!("listed addresses: {valid} valid, invalid: {invalid:?}");
        assert!(invalid.is_empty(), "{invalid:?}");
    }
}
