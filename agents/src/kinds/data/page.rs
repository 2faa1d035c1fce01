//! What a fetched page says about itself: its title and the links it
//! makes, read with a small scanner (a check needs these two, not a DOM).

use reqwest::Url;

/// The page's `<title>`, its whitespace collapsed.
pub fn title(html: &str) -> Option<String> {
    // ASCII lowercasing keeps every byte offset, so `lower`'s offsets cut `html`.
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    Some(
        html[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The `href` of every `<a>` tag, in page order.
fn hrefs(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<a") {
        let tag_start = from + at;
        let Some(length) = lower[tag_start..].find('>') else {
            break;
        };
        let tag_end = tag_start + length;
        from = tag_end;
        let tag = &lower[tag_start + 2..tag_end];
        if !tag.starts_with(|c: char| c.is_ascii_whitespace()) {
            continue; // <abbr>, <area>…
        }
        let Some(href) = tag.find("href") else {
            continue;
        };
        let rest = tag[href + 4..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let rest = rest.trim_start();
        let value_start = tag_end - rest.len();
        let value = match rest.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                let inner = &html[value_start + 1..tag_end];
                inner.split(quote).next().unwrap_or_default()
            }
            _ => html[value_start..tag_end]
                .split_whitespace()
                .next()
                .unwrap_or_default(),
        };
        found.push(value.replace("&amp;", "&"));
    }
    found
}

/// The page's links to its own site (same scheme, host and port), resolved
/// against `base`, without fragments, each once, at most `limit`.
pub fn own_links(html: &str, base: &Url, limit: usize) -> Vec<Url> {
    let mut links: Vec<Url> = Vec::new();
    for href in hrefs(html) {
        let Ok(mut url) = base.join(&href) else {
            continue;
        };
        url.set_fragment(None);
        let same_site = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        if same_site && url != *base && !links.contains(&url) {
            links.push(url);
        }
        if links.len() == limit {
            break;
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_and_own_links_are_found() {
        let html = r#"<html><head><TITLE>
              MYCA   e2e </title></head><body>
            <a href="/about.html">About</a> <abbr title="x">x</abbr>
            <A class="x" HREF='missing.html#top'>gone</A>
            <a href=/broken>broken</a><a href="https://example.com/">away</a>
            <a href="/about.html">again</a><a name="anchor">no link</a>
            <a href="?q=1&amp;r=2">query</a></body></html>"#;
        assert_eq!(title(html).as_deref(), Some("MYCA e2e"));
        let base = Url::parse("http://127.0.0.1:8080/docs/").unwrap();
        let links: Vec<String> = own_links(html, &base, 10)
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            links,
            [
                "http://127.0.0.1:8080/about.html",
                "http://127.0.0.1:8080/docs/missing.html",
                "http://127.0.0.1:8080/broken",
                "http://127.0.0.1:8080/docs/?q=1&r=2",
            ]
        );
        assert_eq!(own_links(html, &base, 1).len(), 1);
        assert_eq!(title("<p>no title</p>"), None);
    }
}
