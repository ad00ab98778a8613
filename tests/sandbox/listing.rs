//! `GET /dispensing/v1/dispensations`: filters by status, code and time, newest first, paged.

use serde_json::json;

use crate::support::{Harness, id};

#[tokio::test]
async fn the_list_filters_and_pages() {
    let sandbox = Harness::start().await;
    let first = sandbox.start_code("RX-2026-000001").await;
    sandbox.complete(&first, json!({})).await.expect(200);
    sandbox.advance(20 * 60);
    let second = sandbox.start_code("AUTH-2026-000101").await;
    sandbox.advance(20 * 60);
    let third = sandbox.start_code("RX-2026-000004").await;
    sandbox.post(&format!("/dispensing/v1/dispensations/{}/cancel", id(&third)), json!({})).await.expect(200);

    let all = sandbox.get("/dispensing/v1/dispensations").await.expect(200).json();
    let ids: Vec<&str> =
        all["content"].as_array().unwrap().iter().map(|d| d["dispensation_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [id(&third), id(&second), id(&first)], "newest first");
    assert_eq!(all["page"], json!({ "number": 0, "size": 50, "total_elements": 3, "total_pages": 1 }));

    let count = |query: &str| {
        let sandbox = &sandbox;
        let query = query.to_owned();
        async move {
            sandbox.get(&format!("/dispensing/v1/dispensations?{query}")).await.expect(200).json()["page"]["total_elements"].clone()
        }
    };
    assert_eq!(count("status=COMPLETED").await, 1);
    assert_eq!(count("status=started").await, 1);
    assert_eq!(count("status=CANCELLED").await, 1);
    assert_eq!(count("code=AUTH-2026-000101").await, 1);
    assert_eq!(count("from=2026-11-21T10:20:00Z").await, 2);
    assert_eq!(count("to=2026-11-21T10:20:00Z").await, 2);
    assert_eq!(count("from=2026-11-21&to=2026-11-21").await, 3);
    assert_eq!(count("from=2026-11-22").await, 0);

    let page = sandbox.get("/dispensing/v1/dispensations?size=2&page=1").await.json();
    assert_eq!(page["content"].as_array().unwrap().len(), 1);
    assert_eq!(page["page"], json!({ "number": 1, "size": 2, "total_elements": 3, "total_pages": 2 }));
    let cancelled = &all["content"][0];
    assert_eq!(
        (cancelled["status"].as_str(), cancelled["cancellation_reason"].as_str()),
        (Some("CANCELLED"), Some("CANCELLED_BY_PROVIDER"))
    );
}
