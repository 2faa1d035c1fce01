//! Server-sent events read whole: the answer of a streamed call (an LLM's
//! `"stream": true`) as the JSON of each event's `data`, in order.

use serde_json::Value;

/// Each event's `data` parsed as JSON; an event whose data is not JSON (the
/// `[DONE]` that ends an OpenAI stream) or that has none is left out.
pub fn data_events(text: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut data: Vec<&str> = Vec::new();
    let mut finish = |data: &mut Vec<&str>| {
        if !data.is_empty() {
            if let Ok(value) = serde_json::from_str(&data.join("\n")) {
                events.push(value);
            }
            data.clear();
        }
    };
    for line in text.lines() {
        if line.is_empty() {
            finish(&mut data);
        } else if let Some(value) = line.strip_prefix("data:") {
            // One optional space after the colon belongs to the syntax.
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
        // `event:`, `id:`, `retry:` and `:` comments: the data says enough.
    }
    finish(&mut data);
    events
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn data_of_each_event_in_order_without_done_or_comments() {
        let text = ": keep-alive\n\nevent: message_start\ndata: {\"type\":\"message_start\"}\n\n\
                    data:{\"n\":1}\r\n\r\ndata: {\"multi\":\ndata: 2}\n\ndata: [DONE]\n\ndata: {\"last\":true}";
        assert_eq!(
            data_events(text),
            [
                json!({"type": "message_start"}),
                json!({"n": 1}),
                json!({"multi": 2}),
                json!({"last": true})
            ]
        );
    }
}
