//! `gemini-agent` in real containers, spawned by the seed's name for it
//! (`gemini`), against a faithful fake of the Gemini API, the key
//! delivered from the OS keyring by reference: answers whole and streamed
//! with their token counts (in the result, the agent's usage counters and
//! its conversation memory), a blocked prompt, embeddings one and many,
//! the models list; a 429 whose wait is in the body waited out; a 503;
//! payloads refused by the schema and by the API; a wrong key; an API that
//! is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::ApiServer;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_gemini::FakeGemini;
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_e2e::llm_agent::{conversation, service_config, usage};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(base_url: &str, source: &str) -> Value {
    json!({"agent_type": "gemini", "category": "integration", "memory_limit": 64,
           "settings": {"base_url": base_url},
           "credentials": [{"name": "GEMINI_API_KEY", "from": source}]})
}

#[tokio::test]
async fn gemini_agent_generates_embeds_and_counts_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (config, redis) = service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    let api = ApiServer::start(config).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let key = format!("AIzaSy{}", uuid::Uuid::new_v4().simple());
    let gemini = FakeGemini::start(&key).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("gemini-key"), entry("gemini-wrong"));
    let wrong_key = "AIzaSy-not-the-key-000000";
    keyring.set(&good, &key).await.unwrap();
    keyring.set(&wrong, wrong_key).await.unwrap();

    let agent = unique_agent_id("gemini");
    let spawned = spawn_healthy(&api, &mut guard, &agent, body(&gemini.url(), &good)).await;
    assert_eq!(spawned["agent_type"], "gemini-agent", "{spawned}");
    let port = spawned["port"].as_u64().unwrap() as u16;

    let models = completed(&api, &agent, "list_models", json!({})).await;
    assert_eq!(models["count"], 2, "{models}");
    assert_eq!(
        fields(&models["models"][1], &["id", "methods"]),
        json!([
            "gemini-embedding-001",
            ["embedContent", "batchEmbedContents"]
        ])
    );

    let question = "What is the capital of France?";
    let answer = completed(
        &api,
        &agent,
        "chat",
        json!({"prompt": question, "system": "Answer in one short sentence."}),
    )
    .await;
    assert_eq!(
        answer,
        json!({"model": "gemini-2.5-flash", "text": format!("You said: {question}"), "finish_reason": "STOP",
               "streamed": false, "usage": {"input_tokens": 11, "output_tokens": 8, "total_tokens": 19}})
    );
    let sent = gemini.control.last_request();
    assert_eq!(
        sent,
        json!({"contents": [{"role": "user", "parts": [{"text": question}]}],
               "systemInstruction": {"parts": [{"text": "Answer in one short sentence."}]}})
    );

    // Streamed over SSE: the chunks' text joined, the last chunk's counts.
    let streamed = completed(&api, &agent, "chat", json!({
        "messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"},
                     {"role": "user", "content": "Count to three"}],
        "stream": true, "max_tokens": 100, "temperature": 0.3})).await;
    assert_eq!(
        streamed,
        json!({"model": "gemini-2.5-flash", "text": "You said: Count to three", "finish_reason": "STOP",
               "streamed": true, "usage": {"input_tokens": 6, "output_tokens": 5, "total_tokens": 11}})
    );
    let sent = gemini.control.last_request();
    assert_eq!(
        sent["contents"][1]["role"], "model",
        "Gemini's name for the assistant"
    );
    assert_eq!(
        sent["generationConfig"],
        json!({"maxOutputTokens": 100, "temperature": 0.3})
    );
    let cut = completed(
        &api,
        &agent,
        "chat",
        json!({"prompt": question, "max_tokens": 3}),
    )
    .await;
    assert_eq!(
        fields(&cut, &["text", "finish_reason"]),
        json!(["You said: What", "MAX_TOKENS"])
    );
    let blocked = failed(&api, &agent, "chat", json!({"prompt": "BLOCKME please"})).await;
    assert_eq!(blocked, "gemini: the prompt was blocked (SAFETY)");

    let one = completed(&api, &agent, "embed", json!({"input": "alpha beta"})).await;
    assert_eq!(
        fields(&one, &["model", "dimensions"]),
        json!(["gemini-embedding-001", 8])
    );
    assert_eq!(one["embeddings"].as_array().unwrap().len(), 1);
    assert_eq!(
        one.get("usage"),
        None,
        "the embedding answers report no tokens"
    );
    let many = completed(
        &api,
        &agent,
        "embed",
        json!({"input": ["alpha beta", "gamma"]}),
    )
    .await;
    assert_eq!(many["embeddings"][0], one["embeddings"][0]);
    assert_eq!(many["embeddings"].as_array().unwrap().len(), 2);
    assert_eq!(
        gemini.control.last_request()["requests"][1],
        json!({"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "gamma"}]}})
    );

    assert_eq!(
        usage(port).await,
        json!({"input_tokens": 11 + 6 + 6, "output_tokens": 8 + 5 + 3})
    );
    let kept = conversation(&redis, &agent).await;
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert_eq!(
        fields(&kept[2], &["prompt", "answer"]),
        json!([question, "You said: What"])
    );

    // The 429's wait is a RetryInfo detail in the body: waited out, sent again.
    gemini.control.throttle(1);
    let started = std::time::Instant::now();
    let patient = completed(
        &api,
        &agent,
        "chat",
        json!({"prompt": "Still there?", "stream": true}),
    )
    .await;
    assert_eq!(patient["text"], "You said: Still there?");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(gemini.control.throttled(), 1);
    gemini.control.fail(1);
    let overloaded = failed(&api, &agent, "chat", json!({"prompt": "Hello?"})).await;
    assert_eq!(
        overloaded,
        "gemini: failed on its side (503): The model is overloaded. Please try again later."
    );

    // Payloads refused before any call, and by the API in its own words.
    let neither = failed(
        &api,
        &agent,
        "chat",
        json!({"prompt": "x", "messages": [{"role": "user", "content": "y"}]}),
    )
    .await;
    assert_eq!(
        neither,
        "invalid payload: give exactly one of prompt, messages"
    );
    let path = failed(
        &api,
        &agent,
        "chat",
        json!({"prompt": "x", "model": "../tunedModels/x"}),
    )
    .await;
    assert_eq!(
        path,
        "invalid payload: model \"../tunedModels/x\" is not a model name"
    );
    let too_long = failed(
        &api,
        &agent,
        "chat",
        json!({"prompt": "Hi", "max_tokens": 100000}),
    )
    .await;
    assert_eq!(too_long, "gemini: refused the request (400): Unable to submit request because it has a maxOutputTokens value of 100000 but the supported range is from 1 (inclusive) to 65537 (exclusive). Update the value and try again.");
    let not_embedding = failed(
        &api,
        &agent,
        "embed",
        json!({"input": "x", "model": "gemini-2.5-flash"}),
    )
    .await;
    assert_eq!(not_embedding, "gemini: not found (404): models/gemini-2.5-flash is not found for API version v1beta, or is not supported for embedContent. Call ListModels to see the list of available models and their supported methods.");

    // A wrong key (Google's 400 API_KEY_INVALID), and an API that is not there.
    let denied = unique_agent_id("gemini-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&gemini.url(), &wrong)).await;
    let refused = failed(&api, &denied, "list_models", json!({})).await;
    assert_eq!(refused, "gemini: rejected the credentials (401): API key not valid. Please pass a valid API key.; check the credential");
    assert!(!refused.contains(wrong_key));
    let down = unique_agent_id("gemini-down");
    let nowhere = format!("http://127.0.0.1:{}/v1beta", myca_e2e::closed_port());
    spawn_healthy(&api, &mut guard, &down, body(&nowhere, &good)).await;
    let unreachable = failed(&api, &down, "embed", json!({"input": "x"})).await;
    assert!(
        unreachable.starts_with("gemini: unreachable: "),
        "{unreachable}"
    );

    keyring.delete(&good).await.unwrap();
    keyring.delete(&wrong).await.unwrap();
    api.stop().await;
}
