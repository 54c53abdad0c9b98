//! Uzbek phone numbers: +998 and 9 digits, typed with any common spacing.

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a phone number is +998 and 9 digits")]
pub struct PhoneError;

/// Accepts "+998 90 123 45 67", "998901234567", "(90) 123-45-67", "901234567" and returns
/// the canonical "+998901234567".
pub fn normalize(input: &str) -> Result<String, PhoneError> {
    let trimmed = input.trim();
    if trimmed
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+' | '.')))
    {
        return Err(PhoneError);
    }
    if trimmed.chars().skip(1).any(|c| c == '+') {
        return Err(PhoneError);
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.len() {
        12 if digits.starts_with("998") => &digits[3..],
        9 if !trimmed.starts_with('+') => &digits[..],
        _ => return Err(PhoneError),
    };
    Ok(format!("+998{national}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_spellings() {
        for s in [
            "+998 90 123 45 67",
            "+998901234567",
            "998901234567",
            "(90) 123-45-67",
            "90 123 45 67",
            " +998 (90) 123-45-67 ",
        ] {
            assert_eq!(normalize(s), Ok("+998901234567".to_string()), "{s}");
        }
    }

    #[test]
    fn rejects() {
        for s in [
            "+7 901 234 56 78",
            "12345",
            "+998 90 123 45 6",
            "+998 90 123 45 678",
            "90x1234567",
            "",
            "+90123+4567",
        ] {
            assert_eq!(normalize(s), Err(PhoneError), "{s}");
        }
    }
}
