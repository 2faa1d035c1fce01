//! `elevenlabs-agent` in real containers, spawned by the seed's name for
//! it (`elevenlabs`), against a faithful fake of the ElevenLabs API, its
//! key delivered from the OS keyring by reference: voices listed, speech
//! synthesized with a voice given by name (resolved to its id) and by id,
//! the audio kept as a task artifact the result names and downloaded byte
//! for byte through the API (on SQLite and on PostgreSQL); the quota
//! checked and used up; an ambiguous and an unknown voice, an unknown
//! model, a 429 waited out and a 500 reported; bad payloads, a wrong key
//! and an API that is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_api::Mishap;
use myca_e2e::fake_elevenlabs::{audio_for, FakeElevenLabs, ADAM, RACHEL};
use myca_e2e::kinds::{completed, failed, fields, run_task, spawn_healthy};
use myca_e2e::stores::{Backend, TestStore};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use reqwest::Method;
use serde_json::{json, Value};

const LIMIT: u64 = 120;

fn body(base_url: &str, source: &str) -> Value {
    json!({
        "agent_type": "elevenlabs", "category": "integration", "memory_limit": 64,
        "settings": {"base_url": base_url},
        "credentials": [{"name": "ELEVENLABS_API_KEY", "from": source}],
    })
}

/// Speaks `payload` and downloads the audio the result names: the result,
/// the answer's Content-Type and the bytes.
async fn speak(api: &ApiServer, agent_id: &str, payload: Value) -> (Value, String, Vec<u8>) {
    let task = run_task(api, agent_id, "text_to_speech", payload).await;
    assert_eq!(task["status"], "completed", "{task}");
    let result = task["result"].clone();
    let audio = &result["audio"];
    assert!(result.get("audio_base64").is_none(), "{result}");
    let path = format!(
        "/tasks/{}/artifacts/{}",
        task["id"].as_str().unwrap(),
        audio["id"].as_str().unwrap()
    );
    let answer = api.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    let content_type = answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let disposition = answer.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"{}\"",
            audio["name"].as_str().unwrap()
        )
    );
    let bytes = answer.bytes().await.unwrap().to_vec();
    assert_eq!(audio["size"], bytes.len());
    assert_eq!(audio["sha256"], myca_agents::sealing::sha256_hex(&bytes));
    (result, content_type, bytes)
}

#[tokio::test]
async fn elevenlabs_agent_speaks_with_voices_named_or_by_id_within_its_quota() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let key = format!("sk_{}", uuid::Uuid::new_v4().simple());
    let elevenlabs = FakeElevenLabs::start(&key, LIMIT, 0).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("xi-key"), entry("xi-wrong"));
    keyring.set(&good, &key).await.unwrap();
    keyring.set(&wrong, "sk_not-the-key").await.unwrap();

    let voice = unique_agent_id("voice");
    let spawned = spawn_healthy(&api, &mut guard, &voice, body(&elevenlabs.url(), &good)).await;
    assert_eq!(spawned["agent_type"], "elevenlabs-agent", "{spawned}");

    let all = completed(&api, &voice, "list_voices", json!({})).await;
    assert_eq!(all["count"], 6);
    let rachel = completed(&api, &voice, "list_voices", json!({"name": "rach"})).await;
    assert_eq!(
        rachel["voices"],
        json!([{"voice_id": RACHEL, "name": "Rachel", "category": "premade",
        "labels": {"accent": "american", "gender": "female", "use_case": "narration"}}])
    );
    let plan = completed(&api, &voice, "check_subscription", json!(null)).await;
    assert_eq!(
        fields(
            &plan,
            &["tier", "status", "character_limit", "characters_left"]
        ),
        json!(["creator", "active", LIMIT, LIMIT])
    );

    // A voice by name (any case), resolved to its id; the audio byte for byte.
    let said = "Fleet is healthy.";
    let (spoken, content_type, bytes) =
        speak(&api, &voice, json!({"text": said, "voice": "rachel"})).await;
    let expected = audio_for(RACHEL, said);
    assert_eq!(
        fields(
            &spoken,
            &[
                "voice_id",
                "voice_name",
                "model_id",
                "output_format",
                "characters"
            ]
        ),
        json!([
            RACHEL,
            "Rachel",
            "eleven_multilingual_v2",
            "mp3_44100_128",
            said.len()
        ])
    );
    assert_eq!(
        fields(&spoken["audio"], &["name", "content_type", "size"]),
        json!([format!("speech-{RACHEL}.mp3"), "audio/mpeg", expected.len()])
    );
    assert_eq!((content_type.as_str(), bytes), ("audio/mpeg", expected));
    // By id, as PCM; a 429 on the way (the voices read) waited out.
    elevenlabs.mishap(Mishap::RateLimited { retry_after: 1 });
    let alarm = "Two gateways are down.";
    let (pcm, content_type, bytes) = speak(&api, &voice, json!({"text": alarm, "voice": ADAM, "output_format": "pcm_16000",
        "model_id": "eleven_flash_v2_5", "voice_settings": {"stability": 0.4, "similarity_boost": 0.8}})).await;
    assert_eq!(
        fields(&pcm, &["voice_name", "output_format"]),
        json!(["Adam", "pcm_16000"])
    );
    assert_eq!(
        (content_type.as_str(), bytes),
        ("audio/pcm", audio_for(ADAM, alarm))
    );
    assert_eq!(elevenlabs.mishaps(), 1);
    let spent = (said.len() + alarm.len()) as u64;
    assert_eq!(elevenlabs.used(), spent);
    let after = completed(&api, &voice, "check_subscription", json!({})).await;
    assert_eq!(after["characters_left"], LIMIT - spent);

    // Voices that do not resolve; ElevenLabs' own refusals.
    let twin = failed(
        &api,
        &voice,
        "text_to_speech",
        json!({"text": "hi", "voice": "Twin"}),
    )
    .await;
    assert_eq!(twin, "elevenlabs: 2 voices are named \"Twin\" (c1oneBBBBBBBBBBBBBBB, c1oneCCCCCCCCCCCCCCC): give the voice_id");
    let nobody = failed(
        &api,
        &voice,
        "text_to_speech",
        json!({"text": "hi", "voice": "Nobody"}),
    )
    .await;
    assert_eq!(nobody, "elevenlabs: no voice is named or has the id \"Nobody\"; the account's voices: Rachel, Adam, Alice, Myca Narrator, Twin, Twin");
    let model = failed(
        &api,
        &voice,
        "text_to_speech",
        json!({"text": "hi", "voice": "Alice", "model_id": "eleven_v9"}),
    )
    .await;
    assert_eq!(
        model,
        "elevenlabs: refused the request (400): A model with model ID eleven_v9 does not exist."
    );
    let long = "x".repeat(100);
    let quota = failed(
        &api,
        &voice,
        "text_to_speech",
        json!({"text": long, "voice": "Alice"}),
    )
    .await;
    assert_eq!(quota, format!("elevenlabs: the subscription's character quota is used up: This request exceeds your quota of {LIMIT}. You have {} credits remaining, while 100 credits are required for this request.", LIMIT - spent));
    elevenlabs.mishap(Mishap::ServerError(500));
    let broken = failed(&api, &voice, "list_voices", json!({})).await;
    assert_eq!(
        broken,
        "elevenlabs: failed on its side (500): Internal Server Error"
    );

    // Bad payloads, refused before any call.
    let no_voice = failed(&api, &voice, "text_to_speech", json!({"text": "hi"})).await;
    assert_eq!(no_voice, "invalid payload: payload.voice: is required");
    let unstable = failed(
        &api,
        &voice,
        "text_to_speech",
        json!({"text": "hi", "voice": "Adam", "voice_settings": {"stability": 2}}),
    )
    .await;
    assert!(
        unstable.starts_with("invalid payload: payload.voice_settings.stability"),
        "{unstable}"
    );

    // A wrong key, and an API that is not there.
    let denied = unique_agent_id("voice-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&elevenlabs.url(), &wrong)).await;
    let refused = failed(&api, &denied, "check_subscription", json!({})).await;
    assert_eq!(
        refused,
        "elevenlabs: rejected the credentials (401): Invalid API key; check the credential"
    );
    let down = unique_agent_id("voice-down");
    spawn_healthy(&api, &mut guard, &down, body("http://127.0.0.1:1", &good)).await;
    let unreachable = failed(&api, &down, "list_voices", json!({})).await;
    assert!(
        unreachable.starts_with("elevenlabs: unreachable: "),
        "{unreachable}"
    );
    assert!(!unreachable.contains(&key) && !refused.contains("sk_not-the-key"));

    keyring.delete(&good).await.unwrap();
    keyring.delete(&wrong).await.unwrap();
    api.stop().await;
}

/// The artifact's way on PostgreSQL: stored with the result, served with
/// its media type; an artifact the task does not have is a 404.
#[tokio::test]
async fn elevenlabs_speech_is_a_downloadable_artifact_on_postgres() {
    let test_store = TestStore::empty(Backend::Postgres).await;
    let api = ApiServer::start(test_service_config(test_store.target.clone()).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let key = format!("sk_{}", uuid::Uuid::new_v4().simple());
    let elevenlabs = FakeElevenLabs::start(&key, LIMIT, 0).await;
    let keyring = Credentials::default();
    let source = format!("e2e/xi-key-{}", uuid::Uuid::new_v4().simple());
    keyring.set(&source, &key).await.unwrap();
    let voice = unique_agent_id("voice-pg");
    spawn_healthy(&api, &mut guard, &voice, body(&elevenlabs.url(), &source)).await;

    let said = "Stored in PostgreSQL.";
    let (spoken, content_type, bytes) = speak(
        &api,
        &voice,
        json!({"text": said, "voice": ADAM, "output_format": "mp3_22050_32"}),
    )
    .await;
    assert_eq!(spoken["audio"]["name"], format!("speech-{ADAM}.mp3"));
    assert_eq!(
        (content_type.as_str(), bytes),
        ("audio/mpeg", audio_for(ADAM, said))
    );
    let task = run_task(&api, &voice, "list_voices", json!({})).await;
    let (status, missing) = api
        .call(
            Method::GET,
            &format!(
                "/tasks/{}/artifacts/{}",
                task["id"].as_str().unwrap(),
                spoken["audio"]["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 404, "{missing}");
    assert!(
        missing["detail"]
            .as_str()
            .unwrap()
            .contains("has no artifact"),
        "{missing}"
    );

    keyring.delete(&source).await.unwrap();
    api.stop().await;
    test_store.finish().await;
}
