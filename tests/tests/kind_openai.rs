//! `openai-agent` and `grok-agent` in real containers, spawned by the
//! seed's names for them (`openai`, `grok`), against a faithful fake of the
//! OpenAI API and of xAI's OpenAI-compatible flavour, keys delivered from
//! the OS keyring by reference: answers whole and streamed with their token
//! counts (in the result, the agent's usage counters and its conversation
//! memory), embeddings, the models list; a 429 waited out and a lasting one
//! reported; a 500; payloads refused by the schema and by the API; wrong
//! and missing keys; an API that is down.

use myca_agents::integration::REDACTED;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::ApiServer;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_llm::tokens;
use myca_e2e::fake_openai::FakeOpenAi;
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_e2e::llm_agent::{conversation, service_config, usage};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(kind: &str, base_url: &str, key: &str, source: Option<&str>) -> Value {
    let credentials: Vec<Value> = source
        .map(|from| json!({"name": key, "from": from}))
        .into_iter()
        .collect();
    json!({"agent_type": kind, "category": "integration", "memory_limit": 64,
           "settings": {"base_url": base_url}, "credentials": credentials})
}

const SYSTEM: &str = "Answer in one short sentence.";
const QUESTION: &str = "What is the capital of France?";

#[tokio::test]
async fn openai_and_grok_agents_answer_embed_and_count_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (config, redis) = service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    let api = ApiServer::start(config).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let key = format!("sk-proj-{}", uuid::Uuid::new_v4().simple());
    let openai = FakeOpenAi::start(&key).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("openai-key"), entry("openai-wrong"));
    let wrong_key = "sk-wrong-0123456789abcdef";
    keyring.set(&good, &key).await.unwrap();
    keyring.set(&wrong, wrong_key).await.unwrap();

    let gpt = unique_agent_id("gpt");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &gpt,
        body("openai", &openai.url(), "OPENAI_API_KEY", Some(&good)),
    )
    .await;
    assert_eq!(spawned["agent_type"], "openai-agent", "{spawned}");
    let port = spawned["port"].as_u64().unwrap() as u16;

    let models = completed(&api, &gpt, "list_models", json!({})).await;
    assert_eq!(models["count"], 3, "{models}");
    assert_eq!(
        models["models"][0],
        json!({"id": "gpt-4o-mini", "owned_by": "system"})
    );

    // A whole answer: the text, the reason it ended, the tokens it cost.
    let answer = completed(
        &api,
        &gpt,
        "chat",
        json!({"prompt": QUESTION, "system": SYSTEM}),
    )
    .await;
    let said = format!("You said: {QUESTION}");
    let (input, output) = (tokens(SYSTEM) + tokens(QUESTION), tokens(&said));
    assert_eq!((input, output), (11, 8));
    assert_eq!(
        answer,
        json!({"model": "gpt-4o-mini", "text": said, "finish_reason": "stop", "streamed": false,
               "usage": {"input_tokens": 11, "output_tokens": 8, "total_tokens": 19}})
    );
    let sent = openai.control.last_request();
    assert_eq!(
        sent["messages"],
        json!([{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}])
    );
    assert_eq!(sent.get("stream"), None);

    // Streamed: the chunks collected into the same answer, usage from the last chunk.
    let conversation_so_far = json!([
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "Hi!"},
        {"role": "user", "content": "Tell me a joke about compilers"}]);
    let streamed = completed(
        &api,
        &gpt,
        "chat",
        json!({"messages": conversation_so_far, "model": "gpt-4o", "stream": true, "temperature": 0.2}),
    )
    .await;
    assert_eq!(
        fields(&streamed, &["model", "text", "finish_reason", "streamed"]),
        json!([
            "gpt-4o",
            "You said: Tell me a joke about compilers",
            "stop",
            true
        ])
    );
    assert_eq!(
        streamed["usage"],
        json!({"input_tokens": 9, "output_tokens": 8, "total_tokens": 17})
    );
    let sent = openai.control.last_request();
    assert_eq!(
        fields(&sent, &["stream", "stream_options", "temperature"]),
        json!([true, {"include_usage": true}, 0.2])
    );

    // An answer cut at max_tokens says so.
    let cut = completed(
        &api,
        &gpt,
        "chat",
        json!({"prompt": QUESTION, "max_tokens": 3}),
    )
    .await;
    assert_eq!(
        fields(&cut, &["text", "finish_reason"]),
        json!(["You said: What", "length"])
    );

    let embedded = completed(
        &api,
        &gpt,
        "embed",
        json!({"input": ["alpha beta", "gamma"]}),
    )
    .await;
    assert_eq!(
        fields(&embedded, &["model", "dimensions", "usage"]),
        json!(["text-embedding-3-small", 8,
               {"input_tokens": 3, "output_tokens": 0, "total_tokens": 3}])
    );
    assert_eq!(embedded["embeddings"].as_array().unwrap().len(), 2);
    assert_ne!(embedded["embeddings"][0], embedded["embeddings"][1]);

    // The agent counted every token, and kept every exchange.
    let spent = json!({"input_tokens": 11 + 9 + 6 + 3, "output_tokens": 8 + 8 + 3});
    assert_eq!(usage(port).await, spent);
    let status = completed(&api, &gpt, "get_status", json!({})).await;
    assert_eq!(status["usage"], spent);
    let kept = conversation(&redis, &gpt).await;
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert_eq!(
        fields(&kept[0], &["task_type", "model", "prompt", "answer"]),
        json!(["chat", "gpt-4o-mini", QUESTION, said])
    );
    assert_eq!(kept[1]["prompt"], "Tell me a joke about compilers");
    assert_eq!(kept[2]["answer"], "You said: What");

    // One 429 is waited out (Retry-After: 1) and the request sent again.
    openai.control.throttle(1);
    let started = std::time::Instant::now();
    let patient = completed(&api, &gpt, "chat", json!({"prompt": "Still there?"})).await;
    assert_eq!(patient["text"], "You said: Still there?");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(openai.control.throttled(), 1);
    // A lasting one is reported after the bounded attempts.
    openai.control.throttle(10);
    let limited = failed(&api, &gpt, "chat", json!({"prompt": "Again?"})).await;
    assert_eq!(limited, "openai: rate limited (429), retry after 1s: Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.");
    assert_eq!(openai.control.throttled(), 1 + 3, "three attempts");
    openai.control.throttle(0);
    openai.control.fail(1);
    let broken = failed(&api, &gpt, "chat", json!({"prompt": "Hello?"})).await;
    assert_eq!(broken, "openai: failed on its side (500): The server had an error while processing your request. Sorry about that!");

    // Payloads refused before any call, and by the API in its own words.
    let neither = failed(&api, &gpt, "chat", json!({})).await;
    assert_eq!(
        neither,
        "invalid payload: give exactly one of prompt, messages"
    );
    let malformed = failed(
        &api,
        &gpt,
        "chat",
        json!({"prompt": "", "temperature": 3, "tone": "dry"}),
    )
    .await;
    assert_eq!(malformed, "invalid payload: payload.prompt: needs at least 1 characters; payload.temperature: must be at most 2; payload.tone: is not a known field");
    let too_long = failed(
        &api,
        &gpt,
        "chat",
        json!({"prompt": "Hi", "max_tokens": 100000}),
    )
    .await;
    assert_eq!(too_long, "openai: refused the request (400): max_tokens is too large: 100000. This model supports at most 16384 completion tokens, whereas you provided 100000.");
    let unknown = failed(
        &api,
        &gpt,
        "chat",
        json!({"prompt": "Hi", "model": "gpt-9"}),
    )
    .await;
    assert_eq!(unknown, "openai: not found (404): The model `gpt-9` does not exist or you do not have access to it.");
    let not_embedding = failed(
        &api,
        &gpt,
        "embed",
        json!({"input": "x", "model": "gpt-4o"}),
    )
    .await;
    assert_eq!(
        not_embedding,
        "openai: refused the request (400): The model `gpt-4o` does not support embeddings."
    );

    // A wrong key: OpenAI's words, the key itself nowhere.
    let denied = unique_agent_id("gpt-denied");
    spawn_healthy(
        &api,
        &mut guard,
        &denied,
        body("openai", &openai.url(), "OPENAI_API_KEY", Some(&wrong)),
    )
    .await;
    let refused = failed(&api, &denied, "list_models", json!({})).await;
    assert_eq!(refused, "openai: rejected the credentials (401): Incorrect API key provided: sk-***cdef. You can find your API key at https://platform.openai.com/account/api-keys.; check the credential");
    assert!(!refused.contains(wrong_key) && !refused.contains(REDACTED));

    // Grok: the same client on xAI's address and key, its own envelope.
    let (xai_good, xai_wrong) = (entry("xai-key"), entry("xai-wrong"));
    keyring.set(&xai_good, &key).await.unwrap();
    keyring.set(&xai_wrong, wrong_key).await.unwrap();
    let grok = unique_agent_id("grok");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &grok,
        body("grok", &openai.xai_url(), "XAI_API_KEY", Some(&xai_good)),
    )
    .await;
    assert_eq!(spawned["agent_type"], "grok-agent");
    let grok_port = spawned["port"].as_u64().unwrap() as u16;
    let answer = completed(
        &api,
        &grok,
        "chat",
        json!({"prompt": "What happened today?", "stream": true}),
    )
    .await;
    assert_eq!(
        answer,
        json!({"model": "grok-3-mini", "text": "You said: What happened today?", "finish_reason": "stop",
               "streamed": true, "usage": {"input_tokens": 3, "output_tokens": 5, "total_tokens": 8}})
    );
    let grok_models = completed(&api, &grok, "list_models", json!({})).await;
    assert_eq!(grok_models["models"][0]["owned_by"], "xai");
    let no_model = failed(&api, &grok, "embed", json!({"input": "x"})).await;
    assert_eq!(
        no_model,
        "no model: give `model` in the payload or set the agent's embedding_model setting"
    );
    let vectors = completed(
        &api,
        &grok,
        "embed",
        json!({"input": "x y", "model": "grok-embed"}),
    )
    .await;
    assert_eq!(vectors["usage"]["input_tokens"], 2);
    assert_eq!(
        usage(grok_port).await,
        json!({"input_tokens": 5, "output_tokens": 5})
    );
    let grok_denied = unique_agent_id("grok-denied");
    spawn_healthy(
        &api,
        &mut guard,
        &grok_denied,
        body("grok", &openai.xai_url(), "XAI_API_KEY", Some(&xai_wrong)),
    )
    .await;
    let refused = failed(&api, &grok_denied, "chat", json!({"prompt": "Hi"})).await;
    assert_eq!(refused, "grok: refused the request (400): Incorrect API key provided: sk-***cdef. You can obtain an API key from https://console.x.ai.");

    // No key at all (as for a local server that wants none): the API says what is missing.
    let keyless = unique_agent_id("gpt-keyless");
    spawn_healthy(
        &api,
        &mut guard,
        &keyless,
        body("openai", &openai.url(), "OPENAI_API_KEY", None),
    )
    .await;
    let missing = failed(&api, &keyless, "chat", json!({"prompt": "Hi"})).await;
    assert!(
        missing
            .starts_with("openai: rejected the credentials (401): You didn't provide an API key."),
        "{missing}"
    );

    // An API that is not there.
    let down = unique_agent_id("gpt-down");
    let nowhere = format!("http://127.0.0.1:{}/v1", myca_e2e::closed_port());
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        body("openai", &nowhere, "OPENAI_API_KEY", Some(&good)),
    )
    .await;
    let unreachable = failed(&api, &down, "chat", json!({"prompt": "Hi"})).await;
    assert!(
        unreachable.starts_with("openai: unreachable: "),
        "{unreachable}"
    );

    for entry in [&good, &wrong, &xai_good, &xai_wrong] {
        keyring.delete(entry).await.unwrap();
    }
    api.stop().await;
}
