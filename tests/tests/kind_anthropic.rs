//! `anthropic-agent` in real containers, spawned by the seed's name for it
//! (`anthropic`), against a faithful fake of Anthropic's Messages API, the
//! key delivered from the OS keyring by reference: answers whole and
//! streamed with their token counts (in the result, the agent's usage
//! counters and its conversation memory), the models list; a stream that
//! breaks off; a 429 waited out; a 529; payloads refused by the schema and
//! by the API; a wrong key; an API that is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::ApiServer;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_anthropic::FakeAnthropic;
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_e2e::llm_agent::{conversation, service_config, usage};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(base_url: &str, source: &str) -> Value {
    json!({"agent_type": "anthropic", "category": "integration", "memory_limit": 64,
           "settings": {"base_url": base_url},
           "credentials": [{"name": "ANTHROPIC_API_KEY", "from": source}]})
}

const SONNET: &str = "claude-sonnet-4-5-20250929";

#[tokio::test]
async fn anthropic_agent_answers_streams_and_counts_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (config, redis) = service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    let api = ApiServer::start(config).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let key = format!("sk-ant-api03-{}", uuid::Uuid::new_v4().simple());
    let anthropic = FakeAnthropic::start(&key).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("anthropic-key"), entry("anthropic-wrong"));
    let wrong_key = "sk-ant-api03-wrong-key-0000";
    keyring.set(&good, &key).await.unwrap();
    keyring.set(&wrong, wrong_key).await.unwrap();

    let claude = unique_agent_id("claude");
    let spawned = spawn_healthy(&api, &mut guard, &claude, body(&anthropic.url(), &good)).await;
    assert_eq!(spawned["agent_type"], "anthropic-agent", "{spawned}");
    let port = spawned["port"].as_u64().unwrap() as u16;

    let models = completed(&api, &claude, "list_models", json!({})).await;
    assert_eq!(models["count"], 2, "{models}");
    assert_eq!(
        models["models"][0],
        json!({"id": SONNET, "display_name": "Claude Sonnet 4.5"})
    );

    // Whole: the default model's alias answers with its dated id.
    let question = "What is the capital of France?";
    let answer = completed(
        &api,
        &claude,
        "chat",
        json!({"prompt": question, "system": "Answer in one short sentence."}),
    )
    .await;
    assert_eq!(
        answer,
        json!({"model": SONNET, "text": format!("You said: {question}"), "finish_reason": "end_turn",
               "streamed": false, "usage": {"input_tokens": 11, "output_tokens": 8, "total_tokens": 19}})
    );
    let sent = anthropic.control.last_request();
    assert_eq!(
        fields(&sent, &["model", "max_tokens", "system"]),
        json!(["claude-sonnet-4-5", 1024, "Answer in one short sentence."])
    );
    assert_eq!(
        sent["messages"],
        json!([{"role": "user", "content": question}])
    );

    // Streamed: input tokens from message_start, text from the deltas,
    // stop reason and output tokens from message_delta.
    let streamed = completed(&api, &claude, "chat", json!({
        "messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi, how can I help?"},
                     {"role": "user", "content": "Name three rivers"}],
        "model": "claude-haiku-4-5", "stream": true, "temperature": 0.5})).await;
    assert_eq!(
        streamed,
        json!({"model": "claude-haiku-4-5-20251001", "text": "You said: Name three rivers", "finish_reason": "end_turn",
               "streamed": true, "usage": {"input_tokens": 9, "output_tokens": 5, "total_tokens": 14}})
    );
    let cut = completed(
        &api,
        &claude,
        "chat",
        json!({"prompt": question, "max_tokens": 2, "stream": true}),
    )
    .await;
    assert_eq!(
        fields(&cut, &["text", "finish_reason", "usage"]),
        json!(["You said:", "max_tokens", {"input_tokens": 6, "output_tokens": 2, "total_tokens": 8}])
    );

    let spent = json!({"input_tokens": 11 + 9 + 6, "output_tokens": 8 + 5 + 2});
    assert_eq!(usage(port).await, spent);
    let kept = conversation(&redis, &claude).await;
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert_eq!(
        fields(&kept[1], &["model", "prompt", "answer"]),
        json!([
            "claude-haiku-4-5-20251001",
            "Name three rivers",
            "You said: Name three rivers"
        ])
    );

    // A stream that breaks off is a failure in Anthropic's words, not half an answer.
    anthropic.break_next_stream();
    let broken = failed(
        &api,
        &claude,
        "chat",
        json!({"prompt": "Tell me more", "stream": true}),
    )
    .await;
    assert_eq!(broken, "anthropic: answered with an error: Overloaded");
    anthropic.control.throttle(1);
    let patient = completed(&api, &claude, "chat", json!({"prompt": "Still there?"})).await;
    assert_eq!(patient["text"], "You said: Still there?");
    assert_eq!(anthropic.control.throttled(), 1);
    anthropic.control.fail(1);
    let overloaded = failed(&api, &claude, "chat", json!({"prompt": "Hello?"})).await;
    assert_eq!(
        overloaded,
        "anthropic: failed on its side (529): Overloaded"
    );

    // Payloads refused before any call, and by the API in its own words.
    let hot = failed(
        &api,
        &claude,
        "chat",
        json!({"prompt": "Hi", "temperature": 1.5}),
    )
    .await;
    assert_eq!(
        hot,
        "invalid payload: payload.temperature: must be at most 1"
    );
    let roles = failed(
        &api,
        &claude,
        "chat",
        json!({"messages": [{"role": "system", "content": "x"}]}),
    )
    .await;
    assert_eq!(
        roles,
        "invalid payload: payload.messages.0.role: must be one of [\"user\",\"assistant\"]"
    );
    let too_long = failed(
        &api,
        &claude,
        "chat",
        json!({"prompt": "Hi", "max_tokens": 100000}),
    )
    .await;
    assert_eq!(too_long, format!("anthropic: refused the request (400): max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for {SONNET}"));
    let unknown = failed(
        &api,
        &claude,
        "chat",
        json!({"prompt": "Hi", "model": "claude-9"}),
    )
    .await;
    assert_eq!(unknown, "anthropic: not found (404): model: claude-9");

    // A wrong key, and an API that is not there.
    let denied = unique_agent_id("claude-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&anthropic.url(), &wrong)).await;
    let refused = failed(&api, &denied, "list_models", json!({})).await;
    assert_eq!(
        refused,
        "anthropic: rejected the credentials (401): invalid x-api-key; check the credential"
    );
    let down = unique_agent_id("claude-down");
    let nowhere = format!("http://127.0.0.1:{}", myca_e2e::closed_port());
    spawn_healthy(&api, &mut guard, &down, body(&nowhere, &good)).await;
    let unreachable = failed(&api, &down, "chat", json!({"prompt": "Hi"})).await;
    assert!(
        unreachable.starts_with("anthropic: unreachable: "),
        "{unreachable}"
    );
    assert_eq!(
        anthropic.control.requests.lock().unwrap().len(),
        5,
        "refused requests are not recorded"
    );

    keyring.delete(&good).await.unwrap();
    keyring.delete(&wrong).await.unwrap();
    api.stop().await;
}
