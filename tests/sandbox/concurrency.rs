//! Racing requests: a dispensation completes once however many terminals press finalize at the same time.

use futures_util::future::join_all;
use serde_json::json;

use crate::support::{Harness, id, quantities};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_completes_yield_exactly_one_completion() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000106").await;
    let token = sandbox.otp_token(&dispensation).await;
    let replies =
        join_all((0..16).map(|_| sandbox.complete(&dispensation, json!({ "otp_verification_token": token })))).await;

    let completed = replies.iter().filter(|reply| reply.status == 200).count();
    let refused: Vec<_> =
        replies.iter().filter(|reply| reply.status != 200).map(|reply| (reply.status, reply.code())).collect();
    assert_eq!(completed, 1, "refusals: {refused:?}");
    assert!(refused.iter().all(|refusal| *refusal == (409, "ALREADY_COMPLETED".to_owned())), "{refused:?}");

    let stored = sandbox.dispensation(id(&dispensation)).await;
    assert_eq!(quantities(&stored), [(30, 0)], "20 claimed before + 10 now, never 40");
    let events = sandbox.get("/sandbox/v1/events").await.json();
    let completions = events.as_array().unwrap().iter().filter(|e| e["event_type"] == "dispensing.completed").count();
    assert_eq!(completions, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_completes_with_one_key_all_see_the_same_completion() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000101").await;
    let path = format!("/dispensing/v1/dispensations/{}/complete", id(&dispensation));
    let body =
        json!({ "amount": dispensation["total_amount"], "document_number": "F1", "document_date": "2026-11-21" });
    let replies = join_all((0..16).map(|_| sandbox.post_keyed(&path, "same-key", body.clone()))).await;
    assert!(
        replies.iter().all(|reply| reply.status == 200),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(replies.iter().all(|reply| reply.text == replies[0].text));
    assert_eq!(replies.iter().filter(|reply| reply.header("idempotent-replayed").is_none()).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_starts_of_one_code_open_one_dispensation() {
    let sandbox = Harness::start().await;
    let replies =
        join_all((0..8).map(|_| sandbox.post("/dispensing/v1/dispensations", json!({ "code": "RX-2026-000001" }))))
            .await;
    assert_eq!(replies.iter().filter(|reply| reply.status == 201).count(), 1);
    assert!(replies.iter().filter(|reply| reply.status != 201).all(|reply| reply.code() == "CODE_IN_PROGRESS"));
}
