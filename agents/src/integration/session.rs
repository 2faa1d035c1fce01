//! A cookie session from a login call: the cookies it set and the CSRF
//! token it handed out (in a header, or as a `csrf_token` cookie).

use reqwest::header::{HeaderMap, SET_COOKIE};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// `name=value; name2=value2`, as a `Cookie` header carries them.
    pub cookie: String,
    pub csrf: Option<String>,
}

impl Session {
    pub fn from_login(headers: &HeaderMap) -> Option<Self> {
        let pairs: Vec<&str> = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.split(';').next())
            .map(str::trim)
            .filter(|pair| pair.contains('='))
            .collect();
        if pairs.is_empty() {
            return None;
        }
        let from_cookie = pairs
            .iter()
            .find_map(|pair| pair.strip_prefix("csrf_token="))
            .map(str::to_owned);
        let from_header = headers
            .get("x-csrf-token")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Some(Self {
            cookie: pairs.join("; "),
            csrf: from_header.or(from_cookie),
        })
    }

    pub fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request.header(reqwest::header::COOKIE, &self.cookie);
        match &self.csrf {
            Some(token) => request.header("X-CSRF-Token", token),
            None => request,
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn cookies_and_csrf_come_from_either_place() {
        let mut headers = HeaderMap::new();
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("unifises=abc; Path=/; HttpOnly"),
        );
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("csrf_token=tok1; Path=/"),
        );
        let legacy = Session::from_login(&headers).unwrap();
        assert_eq!(legacy.cookie, "unifises=abc; csrf_token=tok1");
        assert_eq!(legacy.csrf.as_deref(), Some("tok1"));
        headers.insert("x-csrf-token", HeaderValue::from_static("tok2"));
        assert_eq!(
            Session::from_login(&headers).unwrap().csrf.as_deref(),
            Some("tok2")
        );
        assert_eq!(Session::from_login(&HeaderMap::new()), None);
    }
}
