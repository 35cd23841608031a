//! 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters from a
//! 31-character alphabet (digits and capitals without I, O, Z, S, V); the last is a check
//! character computed from the first 17 with weights 3^i mod 31.

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, PartialEq, Eq)]
pub enum CreditCodeError {
    Length,
    Character(char),
    CheckCharacter { expected: char },
}

impl std::fmt::Display for CreditCodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CreditCodeError::Length => write!(f, "must be 18 characters"),
            CreditCodeError::Character(c) => write!(
                f,
                "contains `{c}`, which is not allowed (digits and capitals except I, O, Z, S, V)"
            ),
            CreditCodeError::CheckCharacter { .. } => {
                write!(f, "the check character does not match (GB 32100-2015)")
            }
        }
    }
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, or None if one is not in the alphabet.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in bytes.iter().zip(WEIGHTS) {
        sum += value(*b)? * w;
    }
    let c = (31 - sum % 31) % 31;
    Some(ALPHABET[c as usize] as char)
}

/// Checks a code (lower case is accepted) and returns it in its canonical upper-case form.
pub fn validate(code: &str) -> Result<String, CreditCodeError> {
    let code = code.trim().to_ascii_uppercase();
    if code.chars().count() != 18 {
        return Err(CreditCodeError::Length);
    }
    if let Some(bad) = code
        .chars()
        .find(|c| !c.is_ascii() || value(*c as u8).is_none())
    {
        return Err(CreditCodeError::Character(bad));
    }
    let expected = check_character(&code[..17]).ok_or(CreditCodeError::Length)?;
    if code.as_bytes()[17] as char != expected {
        return Err(CreditCodeError::CheckCharacter { expected });
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass() {
        // Codes as printed on business licences.
        for code in [
            "91350100M000100Y43",
            "91110108551385082Q",
            "91440300708461136T",
        ] {
            if let Err(e) = validate(code) {
                panic!("{code}: {e}");
            }
        }
    }

    #[test]
    fn table() {
        let cases: [(&str, Result<&str, CreditCodeError>); 7] = [
            ("91350100M000100Y43", Ok("91350100M000100Y43")),
            ("91350100m000100y43", Ok("91350100M000100Y43")),
            (
                "91350100M000100Y44",
                Err(CreditCodeError::CheckCharacter { expected: '3' }),
            ),
            ("91350100M000100Y4", Err(CreditCodeError::Length)),
            ("91350100M000100Y431", Err(CreditCodeError::Length)),
            ("91350100M0001O0Y43", Err(CreditCodeError::Character('O'))),
            ("91350100M000100Y4中", Err(CreditCodeError::Character('中'))),
        ];
        for (input, want) in cases {
            assert_eq!(
                validate(input).as_deref(),
                want.as_ref().map(|s| *s),
                "{input}"
            );
        }
    }

    #[test]
    fn generated_codes_validate() {
        for body in [
            "91330500MA2B00001",
            "92330502MA2B0000X",
            "12330500000000000",
        ] {
            let c = check_character(body).unwrap_or('?');
            let code = format!("{body}{c}");
            assert!(validate(&code).is_ok(), "{code}");
        }
    }
}
