//! The conversions every validated string newtype shares (serde through `FromStr`).

/// For `struct $ty(String)` with a `FromStr<Err = IdError>`: `TryFrom<String>` (what serde's
/// `try_from` uses), `From<$ty> for String`, `Display` and `as_str`.
macro_rules! string_newtype_serde {
    ($ty:ident) => {
        impl TryFrom<String> for $ty {
            type Error = $crate::error::IdError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }
        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.0
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl $ty {
            /// The id as written by AWS.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

pub(crate) use string_newtype_serde;
