//! A real Redis round trip with the client library the orchestrator uses.

use myca_e2e::{redis_url, unique_name};

#[tokio::test]
async fn set_get_and_stream_round_trip() {
    let client = redis::Client::open(redis_url()).expect("valid Redis URL");
    let mut redis = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis reachable");
    let key = unique_name("myca:test:key");
    let () = redis::cmd("SET")
        .arg(&key)
        .arg("hello")
        .arg("EX")
        .arg(60)
        .query_async(&mut redis)
        .await
        .unwrap();
    let value: String = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(value, "hello");

    // Tasks travel on streams: one XADD must come back from XRANGE intact.
    let stream = unique_name("myca:test:stream");
    let id: String = redis::cmd("XADD")
        .arg(&stream)
        .arg("*")
        .arg("task")
        .arg("{\"n\":1}")
        .query_async(&mut redis)
        .await
        .unwrap();
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(&stream)
        .arg("-")
        .arg("+")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(
        entries,
        vec![(id, vec![("task".to_owned(), "{\"n\":1}".to_owned())])]
    );
    let _: i64 = redis::cmd("DEL")
        .arg(&key)
        .arg(&stream)
        .query_async(&mut redis)
        .await
        .unwrap();
}
