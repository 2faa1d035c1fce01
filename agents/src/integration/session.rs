//! A session from a login call: the cookies it set and the CSRF token it
//! handed out (in a header, or as a `csrf_token` cookie), or the bearer
//! token its answer carried.

use reqwest::header::{HeaderMap, SET_COOKIE};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    Cookie {
        /// `name=value; name2=value2`, as a `Cookie` header carries them.
        cookie: String,
        csrf: Option<String>,
    },
    Bearer(String),
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
        Some(Self::Cookie {
            cookie: pairs.join("; "),
            csrf: from_header.or(from_cookie),
        })
    }

    pub fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Session::Cookie { cookie, csrf } => {
                let request = request.header(reqwest::header::COOKIE, cookie);
                match csrf {
                    Some(token) => request.header("X-CSRF-Token", token),
                    None => request,
                }
            }
            Session::Bearer(token) => request.bearer_auth(token),
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
        assert_eq!(
            Session::from_login(&headers),
            Some(Session::Cookie {
                cookie: "unifises=abc; csrf_token=tok1".to_owned(),
                csrf: Some("tok1".to_owned())
            })
        );
        headers.insert("x-csrf-token", HeaderValue::from_static("tok2"));
        assert!(matches!(
            Session::from_login(&headers),
            Some(Session::Cookie { csrf: Some(token), .. }) if token == "tok2"
        ));
        assert_eq!(Session::from_login(&HeaderMap::new()), None);
    }
}
