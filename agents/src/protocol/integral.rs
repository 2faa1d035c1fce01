//! Integer fields read from JSON numbers: JSON Schema counts `3.0` as an
//! integer, so wherever the API takes `3` it takes `3.0` too (and still
//! refuses `3.5` or a value out of the field's range).
//!
//! `#[serde(deserialize_with = "integral::exact")]` on an integer field,
//! `#[serde(default, deserialize_with = "integral::optional")]` on an
//! `Option` of one.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Error, Visitor};
use serde::{Deserialize, Deserializer};

struct Whole<T>(PhantomData<T>);

/// Largest magnitude an `f64` holds every integer up to.
const EXACT_IN_F64: f64 = 9_007_199_254_740_992.0;

impl<T: TryFrom<i128>> Whole<T> {
    fn fit<E: Error>(value: i128) -> Result<T, E> {
        T::try_from(value).map_err(|_| E::custom(format!("{value} is out of range")))
    }
}

impl<T: TryFrom<i128>> Visitor<'_> for Whole<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer")
    }

    fn visit_u64<E: Error>(self, value: u64) -> Result<T, E> {
        Self::fit(i128::from(value))
    }

    fn visit_i64<E: Error>(self, value: i64) -> Result<T, E> {
        Self::fit(i128::from(value))
    }

    fn visit_f64<E: Error>(self, value: f64) -> Result<T, E> {
        if value.fract() == 0.0 && value.abs() <= EXACT_IN_F64 {
            Self::fit(value as i128)
        } else {
            Err(E::custom(format!("{value} is not an integer")))
        }
    }
}

/// A wrapper that reads an integer the lenient way, for `Option`s.
struct Integral<T>(T);

impl<'de, T: TryFrom<i128>> Deserialize<'de> for Integral<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(Whole(PhantomData))
            .map(Integral)
    }
}

pub fn exact<'de, D: Deserializer<'de>, T: TryFrom<i128>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_any(Whole(PhantomData))
}

pub fn optional<'de, D: Deserializer<'de>, T: TryFrom<i128>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Ok(Option::<Integral<T>>::deserialize(deserializer)?.map(|Integral(value)| value))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Fields {
        #[serde(deserialize_with = "super::exact")]
        port: u16,
        #[serde(default, deserialize_with = "super::optional")]
        timeout: Option<u64>,
    }

    fn parse(json: &str) -> Result<Fields, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn whole_floats_are_integers() {
        let fields = parse(r#"{"port": 22.0, "timeout": 37.0}"#).unwrap();
        assert_eq!((fields.port, fields.timeout), (22, Some(37)));
        let fields = parse(r#"{"port": 22, "timeout": null}"#).unwrap();
        assert_eq!((fields.port, fields.timeout), (22, None));
        assert_eq!(parse(r#"{"port": 22}"#).unwrap().timeout, None);
        assert!(parse(r#"{"port": 22.5}"#)
            .unwrap_err()
            .contains("not an integer"));
        assert!(parse(r#"{"port": 70000}"#)
            .unwrap_err()
            .contains("out of range"));
        assert!(parse(r#"{"port": -1}"#)
            .unwrap_err()
            .contains("out of range"));
        assert!(parse(r#"{"port": "22"}"#)
            .unwrap_err()
            .contains("an integer"));
        assert!(parse(r#"{"port": 1e300}"#).is_err());
    }
}
